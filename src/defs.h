/*
 * defs.h: attributes and small helpers shared by every module.
 */
#ifndef SCEAU_DEFS_H
#define SCEAU_DEFS_H

/* The result of every verify, decrypt and parse function must be checked. */
#define SCEAU_WUR __attribute__((warn_unused_result))
#define SCEAU_NONNULL(...) __attribute__((nonnull(__VA_ARGS__)))
#define SCEAU_PRINTF(f, a) __attribute__((format(printf, f, a)))

#define SCEAU_NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define SCEAU_MIN(a, b) ((a) < (b) ? (a) : (b))
#define SCEAU_MAX(a, b) ((a) > (b) ? (a) : (b))

/*
 * Precondition check for public entry points (p11-kit's
 * return_val_if_fail): a caller bug is reported and refused, not followed.
 */
#define sceau_return_val_if_fail(expr, val)                                    \
	do {                                                                   \
		if (!(expr)) {                                                 \
			sceau_precondition_failed(                             \
			    #expr, __FILE__, __func__, __LINE__);              \
			return (val);                                          \
		}                                                              \
	} while (0)

void sceau_precondition_failed(
    const char *expr, const char *file, const char *func, int line);

#endif /* SCEAU_DEFS_H */
