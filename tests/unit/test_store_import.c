/* Unit tests for what loomctl import asks of the store: requested
   article numbers (want_numbers) and raising a high-water mark. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "store.h"
#include "store_test.h"

static enum store_status
put_wanted(struct store *st, const char *msgid, const char *groups,
    uint32_t w0, uint32_t w1, uint32_t *n0, uint32_t *n1)
{
	struct tart		t;
	uint32_t		want[TA_MAX_GROUPS] = { w0, w1 };
	enum store_status	s;

	tart_make(&t, msgid, groups, NULL, NULL, 0, 100);
	t.a.want_numbers = want;
	s = tart_put(st, &t);
	if (n0 != NULL)
		*n0 = t.nums[0];
	if (n1 != NULL)
		*n1 = t.nums[1];
	tart_free(&t);
	return (s);
}

/* INN's numbers are kept, in any order, with gaps; low and high follow. */
static void
test_import_numbers_kept(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;
	char			 msgid[STORE_MSGID_MAX + 1];
	uint32_t		 n0, n1;

	assert_int_equal(store_group_create(f->st, "a.g", 'y', "", "import",
	    1), STORE_OK);
	assert_int_equal(store_group_create(f->st, "b.g", 'y', "", "import",
	    1), STORE_OK);
	assert_int_equal(put_wanted(f->st, "<7@x>", "a.g", 7, 0, &n0, NULL),
	    STORE_OK);
	assert_int_equal(n0, 7);
	assert_int_equal(put_wanted(f->st, "<3@x>", "a.g,b.g", 3, 12, &n0,
	    &n1), STORE_OK);
	assert_int_equal(n0, 3);
	assert_int_equal(n1, 12);
	assert_int_equal(store_group_get(f->st, "a.g", &g), STORE_OK);
	assert_int_equal(g.low, 3);
	assert_int_equal(g.high, 7);
	assert_int_equal(g.count, 2);
	assert_int_equal(store_number_lookup(f->st, g.id, 3, msgid), STORE_OK);
	assert_string_equal(msgid, "<3@x>");
	assert_int_equal(store_number_lookup(f->st, g.id, 5, msgid),
	    STORE_NOTFOUND);
	assert_int_equal(store_group_get(f->st, "b.g", &g), STORE_OK);
	assert_int_equal(g.low, 12);
	assert_int_equal(g.high, 12);
	/* Without a request: after the high-water mark, as always. */
	assert_int_equal(put_wanted(f->st, "<n@x>", "a.g", 0, 0, &n0, NULL),
	    STORE_OK);
	assert_int_equal(n0, 8);
}

/* A number already held is not taken twice: the next after high. */
static void
test_import_numbers_collision(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;
	uint32_t		 n0;

	assert_int_equal(store_group_create(f->st, "a.g", 'y', "", "import",
	    1), STORE_OK);
	assert_int_equal(put_wanted(f->st, "<1@x>", "a.g", 5, 0, &n0, NULL),
	    STORE_OK);
	assert_int_equal(put_wanted(f->st, "<2@x>", "a.g", 5, 0, &n0, NULL),
	    STORE_OK);
	assert_int_equal(n0, 6);
	/* Out of range requests are ignored. */
	assert_int_equal(put_wanted(f->st, "<3@x>", "a.g", UINT32_C(1) << 31,
	    0, &n0, NULL), STORE_OK);
	assert_int_equal(n0, 7);
	assert_int_equal(store_group_get(f->st, "a.g", &g), STORE_OK);
	assert_int_equal(g.low, 5);
	assert_int_equal(g.high, 7);
	assert_int_equal(g.count, 3);
}

static void
test_import_raise_high(void **state)
{
	struct st_fixture	*f = *state;
	struct store_group	 g;
	uint32_t		 n0;

	assert_int_equal(store_group_create(f->st, "a.g", 'y', "", "import",
	    1), STORE_OK);
	assert_int_equal(store_group_raise_high(f->st, "a.g", 40), STORE_OK);
	assert_int_equal(store_group_get(f->st, "a.g", &g), STORE_OK);
	assert_int_equal(g.high, 40);
	assert_int_equal(g.low, 41);	/* empty */
	assert_int_equal(put_wanted(f->st, "<1@x>", "a.g", 12, 0, &n0, NULL),
	    STORE_OK);
	/* A lower mark is kept as it is. */
	assert_int_equal(store_group_raise_high(f->st, "a.g", 20), STORE_OK);
	assert_int_equal(store_group_get(f->st, "a.g", &g), STORE_OK);
	assert_int_equal(g.high, 40);
	assert_int_equal(g.low, 12);
	assert_int_equal(put_wanted(f->st, "<2@x>", "a.g", 0, 0, &n0, NULL),
	    STORE_OK);
	assert_int_equal(n0, 41);
	assert_int_equal(store_group_raise_high(f->st, "no.such", 3),
	    STORE_NOTFOUND);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, st_setup, st_teardown)
		T(test_import_numbers_kept),
		T(test_import_numbers_collision),
		T(test_import_raise_high),
#undef T
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
