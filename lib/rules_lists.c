/*
 * NAME
 *	rules_lists - named lists of vigie.rules: entries, files, matching
 * SYNOPSIS
 *	#include "rules_internal.h"
 *
 *	struct rules_list *list_new(const char *name, unsigned line);
 *	int list_add(struct rules_list *list, const char *entry,
 *		     const char **problem);
 *	int list_load_file(struct rules_list *list, const char *path,
 *			   enum rules_file_status *file_status, int *errnum,
 *			   struct vigie_error *err);
 *	void list_seal(struct rules_list *list);
 *	const char *list_check_fact(const struct rules_list *list,
 *				    const struct fact_def *fact,
 *				    char *buf, size_t size);
 *	bool list_match_string(const struct rules_list *list,
 *			       enum fact_match match, const char *value);
 *	bool list_match_address(const struct rules_list *list,
 *				const struct netaddr *addr);
 *	void list_free(struct rules_list *list);
 * DESCRIPTION
 *	A list is untyped when declared; each entry is classified by its
 *	form, and the classes decide which facts the list may be tested
 *	against (checked where the list is used, by list_check_fact):
 *
 *	192.0.2.0/24, 2001:db8::1	network	client_addr
 *	user@example.org		mailbox	sender, rcpt
 *	@example.org			@domain	sender, rcpt
 *	example.org, .example.org	domain	sender, rcpt, *_domain,
 *						helo, client_name
 *	anything else			text	sasl_user, header
 *
 *	Text facts (sasl_user, header) accept every list and compare the
 *	entries exactly as written. For sender and rcpt, "@dom" and "dom"
 *	both match every address at dom, ".dom" every address at a
 *	subdomain of dom.
 *
 *	A list file holds one entry a line; '#' starts a comment; white
 *	space around an entry is ignored. Errors: "path:line: message".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_internal.h"

/* list_new - an empty list; NULL on allocation failure */
struct rules_list *list_new(const char *name, unsigned line)
{
    struct rules_list *list = calloc(1, sizeof(*list));

    if (list == NULL)
        return NULL;
    list->name = strdup(name);
    if (list->name == NULL) {
        free(list);
        return NULL;
    }
    list->line = line;
    return list;
}

/* free_strings - release an array of strings */
static void free_strings(char **strings, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++)
        free(strings[i]);
    free(strings);
}

/* list_free - release a list; NULL is allowed */
void list_free(struct rules_list *list)
{
    size_t i;

    if (list == NULL)
        return;
    netlist_free(&list->networks);
    domainset_free(&list->domains);
    free_strings(list->mailboxes, list->mailbox_count);
    free_strings(list->texts, list->text_count);
    for (i = 0; i < ENTRY_CLASS_COUNT; i++)
        free(list->example[i]);
    free(list->name);
    free(list);
}

/* push_copy - append a copy of s to a growable array; 0 or -1 */
static int push_copy(char ***array, size_t *count, size_t *cap, const char *s)
{
    char *copy;

    if (*count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        char **grown = reallocarray(*array, ncap, sizeof(**array));

        if (grown == NULL)
            return -1;
        *array = grown;
        *cap = ncap;
    }
    copy = strdup(s);
    if (copy == NULL)
        return -1;
    (*array)[(*count)++] = copy;
    return 0;
}

/*
 * domain_form - labels of letters, digits, '-', '_' or 8-bit bytes,
 *	separated by single dots, with a trailing dot allowed, and a
 *	leading dot when leading_dot is true.
 */
static bool domain_form(const char *s, bool leading_dot)
{
    size_t label = 0;

    if (leading_dot && *s == '.')
        s++;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                   || c == '-' || c == '_' || c >= 128) {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

/* classify - the class of an entry (*net set for a network); -1 with *problem */
static int classify(const char *entry, struct netnet *net, const char **problem)
{
    const char *at = strrchr(entry, '@');

    if (*entry == '\0') {
        *problem = "empty entry";
        return -1;
    }
    if (netnet_parse(entry, net) == 0)
        return ENTRY_NETWORK;
    if (at != NULL) {
        if (at[1] == '\0') {
            *problem = "no domain after @";
            return -1;
        }
        if (!domain_form(at + 1, false))
            return ENTRY_TEXT;
        return at == entry ? ENTRY_AT_DOMAIN : ENTRY_MAILBOX;
    }
    return domain_form(entry, true) ? ENTRY_DOMAIN : ENTRY_TEXT;
}

/* list_add - classify and store one entry */
int list_add(struct rules_list *list, const char *entry, const char **problem)
{
    struct netnet net;
    int class;
    int rc = 0;

    *problem = NULL;
    if ((class = classify(entry, &net, problem)) < 0)
        return -1;
    switch (class) {
    case ENTRY_NETWORK:
        rc = netlist_add(&list->networks, &net);
        break;
    case ENTRY_MAILBOX:
        rc = push_copy(&list->mailboxes, &list->mailbox_count, &list->mailbox_cap, entry);
        break;
    case ENTRY_AT_DOMAIN:
        rc = domainset_add(&list->domains, entry + 1);
        break;
    case ENTRY_DOMAIN:
        rc = domainset_add(&list->domains, entry);
        break;
    default:                    /* ENTRY_TEXT: only in texts */
        break;
    }
    if (rc == 0)
        rc = push_copy(&list->texts, &list->text_count, &list->text_cap, entry);
    if (rc == 0 && list->example[class] == NULL
        && (list->example[class] = strdup(entry)) == NULL)
        rc = -1;
    return rc;
}

/* is_blank - white space inside a list file line */
static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* load_line - one line of a list file; 0, or -1 with err or *file_status set */
static int load_line(struct rules_list *list, const char *path, unsigned lineno,
                     char *line, size_t len, enum rules_file_status *file_status,
                     struct vigie_error *err)
{
    char *hash = memchr(line, '#', len);
    const char *problem;
    size_t i;

    if (len > RULES_MAX_TOKEN) {
        error_at(err, path, lineno, "line too long (limit %u bytes)", RULES_MAX_TOKEN);
        return -1;
    }
    if (hash != NULL)
        len = (size_t)(hash - line);
    while (len > 0 && is_blank(line[len - 1]))
        len--;
    while (len > 0 && is_blank(*line)) {
        line++;
        len--;
    }
    if (len == 0)
        return 0;
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)line[i];

        if ((c < 32 && c != '\t') || c == 127) {
            error_at(err, path, lineno, "control character in entry");
            return -1;
        }
    }
    line[len] = '\0';
    if (list_add(list, line, &problem) == 0)
        return 0;
    if (problem == NULL) {
        *file_status = RULES_FILE_NOMEM;
        return -1;
    }
    error_at(err, path, lineno, "bad entry \"%.60s\": %s", line, problem);
    return -1;
}

/* list_load_file - add the entries of a list file */
int list_load_file(struct rules_list *list, const char *path,
                   enum rules_file_status *file_status, int *errnum,
                   struct vigie_error *err)
{
    unsigned lineno = 0;
    size_t len;
    char *text;
    char *line;
    char *end;
    int rc = 0;

    *file_status = rules_file_read(path, &text, &len, errnum);
    if (*file_status != RULES_FILE_OK)
        return -1;
    end = text + len;
    for (line = text; rc == 0 && line < end; line++) {
        char *nl = memchr(line, '\n', (size_t)(end - line));

        if (nl == NULL)
            nl = end;
        rc = load_line(list, path, ++lineno, line, (size_t)(nl - line), file_status, err);
        line = nl;
    }
    free(text);
    return rc;
}

/* compare_text - qsort and bsearch order of texts: exact */
static int compare_text(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* compare_nocase - qsort and bsearch order of mailboxes: any case */
static int compare_nocase(const void *a, const void *b)
{
    return strcasecmp(*(char *const *)a, *(char *const *)b);
}

/* list_seal - sort for lookups; call once, after the last list_add */
void list_seal(struct rules_list *list)
{
    if (list->mailbox_count > 0)
        qsort(list->mailboxes, list->mailbox_count, sizeof(char *), compare_nocase);
    if (list->text_count > 0)
        qsort(list->texts, list->text_count, sizeof(char *), compare_text);
}

/* misfit - the first entry of a class that fact cannot use, described */
static const char *misfit(const struct rules_list *list, const bool fits[ENTRY_CLASS_COUNT],
                          const char *what, char *buf, size_t size)
{
    size_t i;

    for (i = 0; i < ENTRY_CLASS_COUNT; i++) {
        if (!fits[i] && list->example[i] != NULL) {
            snprintf(buf, size, "\"%.60s\" is not %s", list->example[i], what);
            return buf;
        }
    }
    return NULL;
}

/* list_check_fact - can list be tested against fact? */
const char *list_check_fact(const struct rules_list *list, const struct fact_def *fact,
                            char *buf, size_t size)
{
    /* Indexed by enum list_entry_class. */
    static const bool address_fits[ENTRY_CLASS_COUNT] = {true, false, false, false, false};
    static const bool mailbox_fits[ENTRY_CLASS_COUNT] = {false, true, true, true, false};
    static const bool domain_fits[ENTRY_CLASS_COUNT] = {false, false, false, true, false};

    if (fact->type == FACT_ADDRESS)
        return misfit(list, address_fits, "an IP address or network", buf, size);
    switch (fact->match) {
    case MATCH_MAILBOX:
        return misfit(list, mailbox_fits, "an address, @domain or domain", buf, size);
    case MATCH_DOMAIN:
        return misfit(list, domain_fits, "a domain", buf, size);
    case MATCH_TEXT:
        break;
    }
    return NULL;
}

/* list_match_string - value of a FACT_STRING fact in list */
bool list_match_string(const struct rules_list *list, enum fact_match match,
                       const char *value)
{
    switch (match) {
    case MATCH_TEXT:
        return list->text_count > 0
            && bsearch(&value, list->texts, list->text_count, sizeof(char *),
                       compare_text) != NULL;
    case MATCH_MAILBOX:
        if (list->mailbox_count > 0
            && bsearch(&value, list->mailboxes, list->mailbox_count, sizeof(char *),
                       compare_nocase) != NULL)
            return true;
        return domainset_contains(&list->domains, address_domain(value));
    case MATCH_DOMAIN:
        return domainset_contains(&list->domains, value);
    }
    return false;
}

/* list_match_address - IP address in a list of networks */
bool list_match_address(const struct rules_list *list, const struct netaddr *addr)
{
    return netlist_contains(&list->networks, addr);
}
