/*
 * NAME
 *	units - numbers written with a unit letter
 * DESCRIPTION
 *	See units.h.
 */
#include <stdio.h>
#include <string.h>

#include "units.h"

static const struct unit_scale duration[] = {
    {'w', 7 * 86400}, {'d', 86400}, {'h', 3600}, {'m', 60}, {'s', 1},
};

static const struct unit_scale sizes[] = {
    {'G', 1ull << 30}, {'g', 1ull << 30}, {'M', 1ull << 20}, {'m', 1ull << 20},
    {'k', 1ull << 10}, {'K', 1ull << 10},
};

const struct unit_table units_duration = {duration, sizeof(duration) / sizeof(duration[0])};
const struct unit_table units_size = {sizes, sizeof(sizes) / sizeof(sizes[0])};

/* units_parse - digits and a unit letter of table into *value */
int units_parse(const char *text, const struct unit_table *table, bool unit_required,
                unsigned long long max, unsigned long long *value)
{
    size_t digits = strspn(text, "0123456789");
    unsigned long long n = 0;
    const char *unit = text + digits;

    if (digits == 0 || digits > 18 || (*unit == '\0' ? unit_required : unit[1] != '\0'))
        return -1;
    for (size_t i = 0; i < digits; i++)
        n = n * 10 + (unsigned long long)(text[i] - '0');
    if (*unit != '\0') {
        size_t i = 0;

        while (i < table->count && table->units[i].unit != *unit)
            i++;
        if (i == table->count || n > max / table->units[i].scale)
            return -1;
        n *= table->units[i].scale;
    }
    if (n > max)
        return -1;
    *value = n;
    return 0;
}

/* units_format - value in the largest exact unit of table from skip on */
void units_format(unsigned long long value, const struct unit_table *table, size_t skip,
                  const char *plain, char *buf, size_t len)
{
    for (size_t i = skip; i < table->count && value > 0; i++) {
        if (value % table->units[i].scale == 0) {
            snprintf(buf, len, "%llu%c", value / table->units[i].scale, table->units[i].unit);
            return;
        }
    }
    snprintf(buf, len, "%llu%s", value, plain);
}
