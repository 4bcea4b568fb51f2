/*
 * NAME
 *	compiler - attributes shared by every vigie module
 * DESCRIPTION
 *	WARN_UNUSED marks library calls whose status must be checked;
 *	PRINTF_LIKE lets the compiler check format strings; STRINGIFY(M)
 *	is the expansion of macro M as a string literal.
 */
#ifndef VIGIE_COMPILER_H
#define VIGIE_COMPILER_H

#define WARN_UNUSED __attribute__((warn_unused_result))
#define PRINTF_LIKE(fmt, args) __attribute__((format(printf, fmt, args)))
#define NORETURN __attribute__((noreturn))
#define STRINGIFY_TEXT(x) #x
#define STRINGIFY(m) STRINGIFY_TEXT(m)

#endif
