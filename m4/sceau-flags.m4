# SCEAU_CHECK_CFLAG(FLAG, [ACTION-IF-OK], [ACTION-IF-NOT])
# Compile a trivial program with FLAG (and -Werror, so that a flag the
# compiler merely warns about is not taken).
AC_DEFUN([SCEAU_CHECK_CFLAG], [
	AC_MSG_CHECKING([whether $CC accepts $1])
	sceau_save_CFLAGS=$CFLAGS
	CFLAGS="$CFLAGS -Werror $1"
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[]], [[return 0;]])],
		[AC_MSG_RESULT([yes]); $2], [AC_MSG_RESULT([no]); $3])
	CFLAGS=$sceau_save_CFLAGS
])

# SCEAU_CHECK_CPPFLAG(FLAG, [ACTION-IF-OK], [ACTION-IF-NOT])
# Like SCEAU_CHECK_CFLAG but includes a libc header, so that flags checked
# by the headers (_FORTIFY_SOURCE) are really exercised.
AC_DEFUN([SCEAU_CHECK_CPPFLAG], [
	AC_MSG_CHECKING([whether $CC accepts $1])
	sceau_save_CFLAGS=$CFLAGS
	CFLAGS="$CFLAGS -Werror $1"
	AC_COMPILE_IFELSE([AC_LANG_PROGRAM([[#include <string.h>]],
		[[char b[4]; memset(b, 0, sizeof b); return b[0];]])],
		[AC_MSG_RESULT([yes]); $2], [AC_MSG_RESULT([no]); $3])
	CFLAGS=$sceau_save_CFLAGS
])

# SCEAU_CHECK_LDFLAG(FLAG, [ACTION-IF-OK], [ACTION-IF-NOT])
AC_DEFUN([SCEAU_CHECK_LDFLAG], [
	AC_MSG_CHECKING([whether the linker accepts $1])
	sceau_save_CFLAGS=$CFLAGS
	sceau_save_LDFLAGS=$LDFLAGS
	CFLAGS="$CFLAGS -Werror $1"
	LDFLAGS="$LDFLAGS $1"
	AC_LINK_IFELSE([AC_LANG_PROGRAM([[]], [[return 0;]])],
		[AC_MSG_RESULT([yes]); $2], [AC_MSG_RESULT([no]); $3])
	CFLAGS=$sceau_save_CFLAGS
	LDFLAGS=$sceau_save_LDFLAGS
])
