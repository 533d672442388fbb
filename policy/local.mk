## Policy documents (issue 8): the schema, compiled into the parser so that
## an edited schema file cannot loosen the checks, and the parser.

libsceau_a_SOURCES += policy/policy.h policy/policy.c policy/policy-rules.c
nodist_libsceau_a_SOURCES = policy/policy-xsd.h
BUILT_SOURCES += policy/policy-xsd.h
CLEANFILES += policy/policy-xsd.h
dist_pkgdata_DATA = policy/sceau-policy.xsd

# The schema as a C string (backslashes and quotes escaped, a "\n" per line).
policy/policy-xsd.h: $(srcdir)/policy/sceau-policy.xsd
	$(AM_V_GEN)$(MKDIR_P) policy && { \
	    echo '/* Generated from policy/sceau-policy.xsd: do not edit. */'; \
	    echo 'static const char policy_xsd[] ='; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$$/\\n"/' \
	        $(srcdir)/policy/sceau-policy.xsd; \
	    echo '    ;'; } >$@.tmp && mv $@.tmp $@

unit_tests += tests/unit/test-policy
tests_unit_test_policy_SOURCES = tests/unit/test-policy.c
tests_unit_test_policy_CFLAGS = $(TEST_CFLAGS)
tests_unit_test_policy_LDADD = $(TEST_LDADD)
EXTRA_DIST += tests/policy/workstation.xml tests/policy/organization.xml
