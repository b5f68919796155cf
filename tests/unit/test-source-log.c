/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Parser tests: a valid log (every fixture log under tests/data/vm, and a
 * synthetic one) is mutated in code into each malformed case; each must give
 * its own error code and a message, never a crash.
 *
 *   test-source-log SOURCE_ROOT
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>

#include "sources.h"
#include "bmf-synth.h"
#include "tap.h"
#include "util.h"

#define HOFF(f) offsetof(struct bmf_header, f)
#define ROFF(f) offsetof(struct bmf_record, f)

static uint32_t get32(const unsigned char *b, size_t off)
{
	uint32_t v;

	memcpy(&v, b + off, 4);
	return v;
}

static void put32(unsigned char *b, size_t off, uint32_t v)
{
	memcpy(b + off, &v, 4);
}

static void put64(unsigned char *b, size_t off, uint64_t v)
{
	memcpy(b + off, &v, 8);
}

static void put16(unsigned char *b, size_t off, uint16_t v)
{
	memcpy(b + off, &v, 2);
}

/* Parses @len bytes and checks the outcome is @want (BMF_LOG_OK or an error). */
static struct bmf_log *expect(const char *what, const unsigned char *buf, size_t len,
			      enum bmf_log_error want)
{
	struct source_diag diag;
	struct bmf_log *log = NULL;
	int r;

	memset(&diag, 0xa5, sizeof(diag));
	r = bmf_log_parse(buf, len, &log, &diag);
	if (want == BMF_LOG_OK) {
		CHECK(r == 0, "%s: parse failed: %s", what, r < 0 ? diag.message : "");
		return r == 0 ? log : NULL;
	}
	CHECK(r == -EINVAL, "%s: returned %d, want -EINVAL", what, r);
	CHECK(diag.code == (int)want, "%s: error %d (%s), want %d (%s)", what, diag.code,
	      bmf_log_strerror(diag.code), want, bmf_log_strerror(want));
	CHECK(diag.message[0] && strlen(diag.message) < sizeof(diag.message),
	      "%s: no message", what);
	CHECK(strcmp(bmf_log_strerror(want), "unknown error") != 0, "%s: no strerror", what);
	if (r == 0)
		bmf_log_free(log);
	return NULL;
}

static unsigned char *dup_buf(const unsigned char *b, size_t len)
{
	unsigned char *c = malloc(len ? len : 1);

	if (!c)
		abort();
	memcpy(c, b, len);
	return c;
}

/*
 * Re-lays the log out with @eh extra bytes of header, @et of totals and @er
 * per record, as a kernel that appended fields would: it must still parse.
 */
static unsigned char *relayout(const unsigned char *b, size_t len, uint32_t eh, uint32_t et, uint32_t er,
			       size_t *nlen)
{
	uint32_t hs = get32(b, HOFF(header_size)), rs = get32(b, HOFF(record_size));
	uint32_t to = get32(b, HOFF(totals_offset)), ts = get32(b, HOFF(totals_size));
	uint32_t ro = get32(b, HOFF(records_offset));
	uint32_t n = get32(b, HOFF(record_count)), so = get32(b, HOFF(strtab_offset));
	uint32_t ss = get32(b, HOFF(strtab_size));
	size_t out_hs = hs + eh, out_ts = ts + et, out_rs = rs + er;
	size_t out_to = out_hs, out_ro = out_to + out_ts, out_so = out_ro + (size_t)n * out_rs;
	unsigned char *o;

	(void)len;
	*nlen = out_so + ss;
	o = calloc(1, *nlen);
	if (!o)
		abort();
	memcpy(o, b, hs);
	put32(o, HOFF(header_size), (uint32_t)out_hs);
	put32(o, HOFF(totals_offset), (uint32_t)out_to);
	put32(o, HOFF(totals_size), (uint32_t)out_ts);
	put32(o, HOFF(records_offset), (uint32_t)out_ro);
	put32(o, HOFF(record_size), (uint32_t)out_rs);
	put32(o, HOFF(strtab_offset), (uint32_t)out_so);
	memcpy(o + out_to, b + to, ts);
	for (uint32_t i = 0; i < n; i++)
		memcpy(o + out_ro + i * out_rs, b + ro + (size_t)i * rs, rs);
	memcpy(o + out_so, b + so, ss);
	return o;
}

static void mutations(const char *name, const unsigned char *base, size_t len)
{
	uint32_t hs = get32(base, HOFF(header_size)), rs = get32(base, HOFF(record_size));
	uint32_t to = get32(base, HOFF(totals_offset)), ts = get32(base, HOFF(totals_size));
	uint32_t ro = get32(base, HOFF(records_offset));
	uint32_t n = get32(base, HOFF(record_count)), so = get32(base, HOFF(strtab_offset));
	uint32_t ss = get32(base, HOFF(strtab_size)), cap = get32(base, HOFF(capacity));
	size_t r0 = ro;			/* first record */
	size_t rl = ro + (size_t)(n - 1) * rs;	/* last record */
	struct bmf_log *log;
	unsigned char *b;
	char what[256];
	size_t nlen;

	printf("%s: %zu bytes, %u records of %u bytes, string table %u bytes\n", name, len, n, rs, ss);
	CHECK(get32(base, HOFF(version)) == BMF_VERSION, "%s: version %u, this test knows %u (a v1 fixture?)",
	      name, get32(base, HOFF(version)), BMF_VERSION);
	CHECK(n >= 2, "%s: need at least two records", name);
	if (n < 2 || get32(base, HOFF(version)) != BMF_VERSION)
		return;
	/* The mutations below assume the kernel's order: header, totals, records, strings. */
	CHECK(to >= hs && ro >= to + ts && so >= ro + (size_t)n * rs, "%s: unexpected section order", name);

	log = expect(name, base, len, BMF_LOG_OK);
	if (log) {
		CHECK_EQ(log->n_events, n, "record count");
		CHECK(log->unknown_kinds == 0 && log->unknown_tags == 0, "%s: unknown kinds or tags", name);
		for (size_t i = 0; i < log->n_events; i++)
			CHECK(log->events[i].caller && log->events[i].label && log->events[i].module &&
			      log->events[i].count >= 1, "strings resolved, count set");
		bmf_log_free(log);
	}

#define MUT(desc, want, ...) do {					\
		b = dup_buf(base, len);					\
		__VA_ARGS__;						\
		snprintf(what, sizeof(what), "%s: %s", name, desc);	\
		expect(what, b, len, want);				\
		free(b);						\
	} while (0)

	MUT("bad magic", BMF_LOG_BAD_MAGIC, b[0] ^= 0x20);
	MUT("the runtime magic", BMF_LOG_BAD_MAGIC, memcpy(b, BMF_RT_MAGIC, BMF_MAGIC_LEN));
	MUT("unknown version", BMF_LOG_BAD_VERSION, put32(b, HOFF(version), BMF_VERSION + 1));
	MUT("version 0", BMF_LOG_BAD_VERSION, put32(b, HOFF(version), 0));
	MUT("header_size below the known header", BMF_LOG_BAD_HEADER_SIZE,
	    put32(b, HOFF(header_size), sizeof(struct bmf_header) - 4));
	MUT("header_size past the file", BMF_LOG_BAD_HEADER_SIZE, put32(b, HOFF(header_size), (uint32_t)len + 1));
	MUT("header_size into the totals", BMF_LOG_OVERLAP, put32(b, HOFF(header_size), to + 8));
	MUT("totals_size below the known totals", BMF_LOG_BAD_TOTALS_SIZE,
	    put32(b, HOFF(totals_size), sizeof(struct bmf_totals) - 8));
	MUT("totals_size 0", BMF_LOG_BAD_TOTALS_SIZE, put32(b, HOFF(totals_size), 0));
	MUT("totals past the file", BMF_LOG_TOTALS_RANGE, put32(b, HOFF(totals_offset), (uint32_t)len - 8));
	MUT("totals offset + size overflows", BMF_LOG_TOTALS_RANGE,
	    put32(b, HOFF(totals_offset), UINT32_MAX); put32(b, HOFF(totals_size), UINT32_MAX));
	MUT("totals inside the header", BMF_LOG_OVERLAP, put32(b, HOFF(totals_offset), 8));
	MUT("totals overlapping the records", BMF_LOG_OVERLAP, put32(b, HOFF(totals_offset), ro - ts + 64));
	MUT("record_size below the known record", BMF_LOG_BAD_RECORD_SIZE,
	    put32(b, HOFF(record_size), sizeof(struct bmf_record) - 8));
	MUT("record_size 0", BMF_LOG_BAD_RECORD_SIZE, put32(b, HOFF(record_size), 0));
	MUT("count larger than the file", BMF_LOG_TRUNCATED_RECORDS, put32(b, HOFF(record_count), n + 1000));
	MUT("count 2^32-1", BMF_LOG_TRUNCATED_RECORDS, put32(b, HOFF(record_count), UINT32_MAX));
	MUT("count * record_size overflows 32 bits", BMF_LOG_TRUNCATED_RECORDS,
	    put32(b, HOFF(record_count), 0x10000000); put32(b, HOFF(record_size), 0x100));
	MUT("record_size larger than the file", BMF_LOG_TRUNCATED_RECORDS,
	    put32(b, HOFF(record_size), UINT32_MAX));
	MUT("records offset past the file", BMF_LOG_TRUNCATED_RECORDS,
	    put32(b, HOFF(records_offset), UINT32_MAX));
	MUT("records overlapping the totals", BMF_LOG_OVERLAP, put32(b, HOFF(records_offset), ro - 8));
	MUT("records overlapping the strings", BMF_LOG_OVERLAP, put32(b, HOFF(records_offset), ro + 8));
	MUT("string table past the file", BMF_LOG_STRTAB_RANGE, put32(b, HOFF(strtab_size), ss + 1));
	MUT("string table offset past the file", BMF_LOG_STRTAB_RANGE, put32(b, HOFF(strtab_offset), (uint32_t)len));
	MUT("string table offset + size overflows", BMF_LOG_STRTAB_RANGE,
	    put32(b, HOFF(strtab_offset), UINT32_MAX); put32(b, HOFF(strtab_size), UINT32_MAX));
	MUT("string table overlapping the records", BMF_LOG_OVERLAP,
	    put32(b, HOFF(strtab_offset), ro); put32(b, HOFF(strtab_size), 1));
	MUT("string table empty", BMF_LOG_STRTAB_EMPTY, put32(b, HOFF(strtab_size), 0));
	MUT("string table not starting with the empty string", BMF_LOG_STRTAB_EMPTY, b[so] = 'x');
	MUT("string table not NUL-terminated", BMF_LOG_STRTAB_UNTERMINATED, b[so + ss - 1] = 'x');
	MUT("caller offset out of range", BMF_LOG_STRING_RANGE, put32(b, rl + ROFF(caller), ss));
	MUT("module offset out of range", BMF_LOG_STRING_RANGE, put32(b, rl + ROFF(module), ss + 1));
	MUT("label offset out of range", BMF_LOG_STRING_RANGE, put32(b, r0 + ROFF(label), UINT32_MAX));
	MUT("header machine offset out of range", BMF_LOG_STRING_RANGE, put32(b, HOFF(machine), ss + 7));
	MUT("header release offset out of range", BMF_LOG_STRING_RANGE, put32(b, HOFF(release), UINT32_MAX));
	MUT("page_size 0", BMF_LOG_BAD_PAGE_SIZE, put32(b, HOFF(page_size), 0));
	MUT("page_size not a power of two", BMF_LOG_BAD_PAGE_SIZE, put32(b, HOFF(page_size), 3000));
	MUT("more records than the capacity", BMF_LOG_BAD_CAPACITY, put32(b, HOFF(capacity), n - 1));
	MUT("more reserved slots than the capacity", BMF_LOG_BAD_CAPACITY,
	    put32(b, HOFF(reserved_slots), cap + 1));
	MUT("seq out of order", BMF_LOG_BAD_SEQ, put32(b, rl + ROFF(seq), 0));
	MUT("count 0", BMF_LOG_BAD_COUNT, put32(b, rl + ROFF(count), 0));
	MUT("pages on a reserve record", BMF_LOG_BAD_PAGES,
	    put16(b, r0 + ROFF(kind), BMF_RESERVE); put64(b, r0 + ROFF(pages), 5));
	MUT("base + size overflows", BMF_LOG_BAD_RANGE,
	    put64(b, r0 + ROFF(base), UINT64_MAX - 4096); put64(b, r0 + ROFF(size), 8192));

	{
		struct source_diag diag;
		struct bmf_log *l = NULL;

		b = dup_buf(base, len);
		put32(b, HOFF(version), 1);
		CHECK(bmf_log_parse(b, len, &l, &diag) == -EINVAL &&
		      strcmp(diag.message, "unsupported log version 1 (this reader knows 2)") == 0,
		      "%s: v1 message \"%s\"", name, diag.message);
		free(b);
	}

	/* The header alone: what the daemon checks before it reads the rest. */
	{
		struct source_diag diag;

		CHECK(bmf_log_check_head((const char *)base, sizeof(struct bmf_header), len, &diag) == 0,
		      "%s: header check passes: %s", name, diag.message);
		CHECK(bmf_log_check_head((const char *)base, sizeof(struct bmf_header), len - 1, &diag) == -EINVAL &&
		      diag.code == BMF_LOG_TOO_LARGE, "%s: a header describing one byte too many: %s", name,
		      diag.message);
		b = dup_buf(base, len);
		put32(b, HOFF(record_count), BMF_LOG_MAX_RECORDS + 1);
		put32(b, HOFF(capacity), BMF_LOG_MAX_RECORDS + 1);
		CHECK(bmf_log_check_head((const char *)b, sizeof(struct bmf_header), UTIL_MAX_FILE, &diag) == -EINVAL &&
		      diag.code == BMF_LOG_TOO_MANY_RECORDS, "%s: too many records from the header: %s", name,
		      diag.message);
		free(b);
		CHECK(bmf_log_check_head((const char *)base, sizeof(struct bmf_header) - 1, len, &diag) == -EINVAL &&
		      diag.code == BMF_LOG_TRUNCATED_HEADER, "%s: a short header", name);
	}

	/* Every truncation fails cleanly with the error of the section it cuts. */
	for (size_t cut = 0; cut < len; cut++) {
		struct source_diag diag;
		struct bmf_log *l = NULL;
		int r = bmf_log_parse(base, cut, &l, &diag);
		enum bmf_log_error e = diag.code;

		CHECK(r == -EINVAL, "%s: truncated to %zu bytes parsed", name, cut);
		if (r == 0)
			bmf_log_free(l);
		else if (cut < sizeof(struct bmf_header))
			CHECK(e == BMF_LOG_TRUNCATED_HEADER, "%s: cut %zu: error %d", name, cut, e);
		else if (cut < hs)
			CHECK(e == BMF_LOG_BAD_HEADER_SIZE, "%s: cut %zu in the header: error %d", name, cut, e);
		else if (cut < (size_t)to + ts)
			CHECK(e == BMF_LOG_TOTALS_RANGE, "%s: cut %zu in the totals: error %d", name, cut, e);
		else if (cut < ro + (size_t)n * rs)
			CHECK(e == BMF_LOG_TRUNCATED_RECORDS, "%s: cut %zu in the records: error %d", name, cut, e);
		else
			CHECK(e == BMF_LOG_STRTAB_RANGE, "%s: cut %zu in the strings: error %d", name, cut, e);
	}

	/* Forward compatibility: appended fields and unknown kinds or tags. */
	b = relayout(base, len, 16, 24, 8, &nlen);
	log = expect("header, totals and records with appended fields", b, nlen, BMF_LOG_OK);
	if (log) {
		struct bmf_log *orig = NULL;

		if (bmf_log_parse(base, len, &orig, NULL) == 0) {
			for (size_t i = 0; i < log->n_events; i++)
				CHECK(log->events[i].base == orig->events[i].base &&
				      log->events[i].kind == orig->events[i].kind &&
				      log->events[i].count == orig->events[i].count &&
				      strcmp(log->events[i].caller, orig->events[i].caller) == 0 &&
				      strcmp(log->events[i].module, orig->events[i].module) == 0,
				      "%s: relaid record %zu differs", name, i);
			CHECK(memcmp(&log->totals, &orig->totals, sizeof(log->totals)) == 0,
			      "%s: relaid totals differ", name);
			bmf_log_free(orig);
		}
		bmf_log_free(log);
	}
	free(b);

	b = dup_buf(base, len);
	put16(b, r0 + ROFF(kind), 999);
	put16(b, rl + ROFF(tag), 777);
	log = expect("unknown kind and tag are counted", b, len, BMF_LOG_OK);
	if (log) {
		CHECK_EQ(log->unknown_kinds, 1, "unknown_kinds");
		CHECK_EQ(log->unknown_tags, 1, "unknown_tags");
		CHECK(strcmp(bmf_kind_name(log->events[0].kind), "unknown") == 0, "unknown kind name");
		bmf_log_free(log);
	}
	free(b);
}

/* The synthetic log's totals and header fields come through. */
static void totals(void)
{
	struct synth s;
	struct bmf_log *log;
	unsigned char *buf;
	size_t len;
	int64_t pages = synth_boot(&s);

	synth_drop(&s, BMF_ALLOC, 3, 3 * 4096, 0);
	synth_drop(&s, BMF_FREE_PAGE, 5, 5 * 4096, 5);
	s.capacity = 40;
	s.reserved_slots = 8;
	buf = synth_write(&s, &len);
	log = expect("synthetic with drops", buf, len, BMF_LOG_OK);
	if (log) {
		CHECK_EQ(log->totals.managed_pages, pages + 5, "managed_pages");
		CHECK_EQ(log->dropped_events, 8, "dropped events");
		CHECK_EQ(log->totals.dropped_bytes[BMF_ALLOC], 3 * 4096, "dropped alloc bytes");
		CHECK_EQ(log->totals.dropped_pages[BMF_FREE_PAGE], 5, "dropped free_page pages");
		CHECK_EQ(log->totals.kind_events[BMF_FREE_AREA], 2, "free_area events");
		CHECK_EQ(log->capacity, 40, "capacity");
		CHECK_EQ(log->reserved_slots, 8, "reserved slots");
		CHECK_EQ(log->phase, BMF_PHASE_RUNNING, "phase");
		CHECK(log->flags & BMF_HDR_FROZEN, "frozen flag");
		CHECK(strcmp(log->events[0].module, "") == 0, "vmlinux module is empty");
		bmf_log_free(log);
	}
	free(buf);
}

#define RHOFF(f) offsetof(struct bmf_rt_header, f)
#define REOFF(f) offsetof(struct bmf_rt_entry, f)

static struct bmf_runtime *expect_rt(const char *what, const unsigned char *buf, size_t len,
				     enum bmf_log_error want)
{
	struct source_diag diag;
	struct bmf_runtime *rt = NULL;
	int r;

	memset(&diag, 0xa5, sizeof(diag));
	r = bmf_runtime_parse(buf, len, &rt, &diag);
	if (want == BMF_LOG_OK) {
		CHECK(r == 0, "runtime %s: parse failed: %s", what, r < 0 ? diag.message : "");
		return r == 0 ? rt : NULL;
	}
	CHECK(r == -EINVAL, "runtime %s: returned %d, want -EINVAL", what, r);
	CHECK(diag.code == (int)want, "runtime %s: error %d (%s), want %d (%s)", what, diag.code,
	      bmf_log_strerror(diag.code), want, bmf_log_strerror(want));
	CHECK(diag.message[0] && strlen(diag.message) < sizeof(diag.message), "runtime %s: no message", what);
	if (r == 0)
		bmf_runtime_free(rt);
	return NULL;
}

static void runtime(void)
{
	struct synth_rt srt = { .boot_pages = 1000 };
	struct bmf_runtime *rt;
	unsigned char *base, *b;
	size_t len, e0 = sizeof(struct bmf_rt_header), e1 = e0 + sizeof(struct bmf_rt_entry);

	synth_rt_add(&srt, "virtballoon_migratepage", "virtio_balloon", 10, 266, 0, 0);
	synth_rt_add(&srt, "online_pages", "", 32768, 0, 128ull << 20, 0);
	base = synth_rt_write(&srt, 4096, &len);
	rt = expect_rt("valid", base, len, BMF_LOG_OK);
	if (rt) {
		CHECK_EQ(rt->n, 2, "entries");
		CHECK(strcmp(rt->e[0].module, "virtio_balloon") == 0, "module");
		CHECK(strcmp(rt->e[1].caller, "online_pages") == 0, "caller");
		CHECK_EQ(rt->e[1].bytes_added, 128ull << 20, "bytes added");
		CHECK_EQ(rt->pages_in, 32778, "pages in");
		CHECK_EQ(rt->pages_out, 266, "pages out");
		CHECK_EQ(rt->managed_pages, 1000 + 32778 - 266, "managed pages");
		bmf_runtime_free(rt);
	}

#define RMUT(desc, want, ...) do {					\
		b = dup_buf(base, len);					\
		__VA_ARGS__;						\
		bmf_runtime_free(expect_rt(desc, b, len, want));	\
		free(b);						\
	} while (0)

	RMUT("bad magic", BMF_LOG_BAD_MAGIC, memcpy(b, BMF_MAGIC, BMF_MAGIC_LEN));
	RMUT("version 1", BMF_LOG_BAD_VERSION, put32(b, RHOFF(version), 1));
	RMUT("header_size small", BMF_LOG_BAD_HEADER_SIZE, put32(b, RHOFF(header_size), 60));
	RMUT("header_size past the file", BMF_LOG_BAD_HEADER_SIZE, put32(b, RHOFF(header_size), (uint32_t)len + 1));
	RMUT("entry_size small", BMF_LOG_BAD_ENTRY_SIZE, put32(b, RHOFF(entry_size), 136));
	RMUT("count past the file", BMF_LOG_TRUNCATED_ENTRIES, put32(b, RHOFF(count), 3));
	RMUT("count 2^32-1", BMF_LOG_TRUNCATED_ENTRIES, put32(b, RHOFF(count), UINT32_MAX));
	RMUT("entry_size 2^32-1", BMF_LOG_TRUNCATED_ENTRIES, put32(b, RHOFF(entry_size), UINT32_MAX));
	RMUT("count above the capacity", BMF_LOG_BAD_ENTRY_COUNT, put32(b, RHOFF(capacity), 1));
	RMUT("page_size 0", BMF_LOG_BAD_PAGE_SIZE, put32(b, RHOFF(page_size), 0));
	RMUT("caller not terminated", BMF_LOG_ENTRY_STRING, memset(b + e1 + REOFF(caller), 'x', BMF_RT_NAME_LEN));
	RMUT("module not terminated", BMF_LOG_ENTRY_STRING,
	     memset(b + e0 + REOFF(module), 'x', BMF_RT_MODULE_LEN));
	RMUT("pages_in sum", BMF_LOG_BAD_SUMS, put64(b, RHOFF(pages_in), 1));
	RMUT("pages_out sum", BMF_LOG_BAD_SUMS, put64(b, e0 + REOFF(pages_out), 1));
	RMUT("saturated: sums are not checked", BMF_LOG_OK,
	     put64(b, e0 + REOFF(pages_out), UINT64_MAX); put16(b, e0 + REOFF(flags), BMF_RT_SATURATED));
	for (size_t cut = 0; cut < len; cut++) {
		struct source_diag diag;
		struct bmf_runtime *r = NULL;

		CHECK(bmf_runtime_parse(base, cut, &r, &diag) == -EINVAL, "runtime cut to %zu parsed", cut);
		CHECK(cut < sizeof(struct bmf_rt_header) ? diag.code == BMF_LOG_TRUNCATED_HEADER :
		      diag.code == BMF_LOG_TRUNCATED_ENTRIES, "runtime cut %zu: error %d", cut, diag.code);
	}
	free(base);

	/* Appended fields, and an empty file (no runtime change yet). */
	{
		struct synth_rt none = { 0 };
		unsigned char *o;

		base = synth_rt_write(&srt, 4096, &len);
		o = calloc(1, len + 16 + 2 * 8);
		memcpy(o, base, sizeof(struct bmf_rt_header));
		put32(o, RHOFF(header_size), sizeof(struct bmf_rt_header) + 16);
		put32(o, RHOFF(entry_size), sizeof(struct bmf_rt_entry) + 8);
		for (int i = 0; i < 2; i++)
			memcpy(o + sizeof(struct bmf_rt_header) + 16 + i * (sizeof(struct bmf_rt_entry) + 8),
			       base + e0 + i * sizeof(struct bmf_rt_entry), sizeof(struct bmf_rt_entry));
		rt = expect_rt("appended fields", o, len + 16 + 2 * 8, BMF_LOG_OK);
		if (rt) {
			CHECK(strcmp(rt->e[1].caller, "online_pages") == 0, "relaid caller");
			bmf_runtime_free(rt);
		}
		free(o);
		free(base);
		base = synth_rt_write(&none, 4096, &len);
		rt = expect_rt("no entries", base, len, BMF_LOG_OK);
		if (rt) {
			CHECK_EQ(rt->n, 0, "no entries");
			bmf_runtime_free(rt);
		}
		free(base);
	}
}

static void names(void)
{
	for (unsigned k = 0; k < 64; k++)
		if (bmf_kind_known(k))
			CHECK(bmf_kind_from_name(bmf_kind_name(k)) == (int)k, "kind %u round trip", k);
	for (unsigned t = 0; t < 64; t++)
		if (bmf_tag_known(t))
			CHECK(bmf_tag_from_name(bmf_tag_name(t)) == (int)t, "tag %u round trip", t);
	CHECK(bmf_kind_from_name("nope") == -1, "unknown kind name");
	CHECK(bmf_tag_from_name("nope") == -1, "unknown tag name");
	CHECK(bmf_kind_from_name("alloc") == BMF_ALLOC, "alloc");
	CHECK(bmf_tag_from_name("initrd") == BMF_TAG_INITRD, "initrd");
	for (int e = 0; e < _BMF_LOG_ERROR_MAX; e++)
		CHECK(strcmp(bmf_log_strerror((enum bmf_log_error)e), "unknown error") != 0, "strerror %d", e);
}

int main(int argc, char **argv)
{
	struct synth s;
	unsigned char *buf;
	size_t len;
	int fixtures = 0;

	names();
	totals();
	runtime();
	synth_boot(&s);
	buf = synth_write(&s, &len);
	mutations("synthetic", buf, len);
	free(buf);

	if (argc > 1) {
		char dir[4096];
		struct dirent *de;
		DIR *d;

		snprintf(dir, sizeof(dir), "%s/tests/data/vm", argv[1]);
		d = opendir(dir);
		while (d && (de = readdir(d))) {
			char path[8192];
			char *raw;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s/sys/kernel/bootmem_fate/log", dir, de->d_name);
			if (util_read_file_at(AT_FDCWD, path, UTIL_MAX_FILE, &raw, &len) < 0)
				continue;
			mutations(de->d_name, (unsigned char *)raw, len);
			free(raw);
			fixtures++;
		}
		if (d)
			closedir(d);
	}
	printf("%d fixture logs mutated\n", fixtures);
	return tap_done("test-source-log");
}
