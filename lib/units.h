/*
 * NAME
 *	units - numbers written with a unit letter: "10m", "512k"
 * SYNOPSIS
 *	#include "units.h"
 * DESCRIPTION
 *	One parser and one printer for the durations and sizes of
 *	vigie.conf, vigie.rules and vigiectl. A table of units lists
 *	each letter and what it multiplies by, largest first (the printer
 *	takes the first that divides a value exactly).
 *	units_duration: w d h m s, in seconds. units_size: G g M m k K, in
 *	bytes (powers of 1024; both cases are read, the first written).
 */
#ifndef VIGIE_UNITS_H
#define VIGIE_UNITS_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"

/* A unit letter after a number, and what it multiplies by. */
struct unit_scale {
    char unit;
    unsigned long long scale;
};

struct unit_table {
    const struct unit_scale *units;     /* largest first */
    size_t count;
};

extern const struct unit_table units_duration;
extern const struct unit_table units_size;

/*
 * units_parse - digits and a unit letter of table into *value
 *	The letter may be left out (the number is then as it is) unless
 *	unit_required. Returns 0, or -1 when text is not that, or the
 *	value is above max.
 */
int units_parse(const char *text, const struct unit_table *table, bool unit_required,
                unsigned long long max, unsigned long long *value) WARN_UNUSED;

/*
 * units_format - value in the largest unit of table, from its first
 *	skip entries on, that divides it exactly: "10m"; else (and for 0)
 *	the number followed by plain: "90s", "1000"
 */
void units_format(unsigned long long value, const struct unit_table *table, size_t skip,
                  const char *plain, char *buf, size_t size);

#endif
