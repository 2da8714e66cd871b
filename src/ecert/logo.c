/*
 * logo.c: online logos (LOGO-1, seed Q6): the establishment department
 * issues a badge to an application whose online name it approved; the
 * badge (SVG, and PNG for pages that take no SVG) names the unit and its
 * category and carries a QR code of its verification page, GET /v1/logo/<id> on
 * the public listener, where anyone sees whose it is, for which domains, and
 * whether it is still valid. Issuance and revocation are audited and logged in
 * the transparency log.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <png.h>

#include "audit/audit.h"
#include "ecert/ecert.h"

#define LOGO_BADGE_MAX (512 * 1024)

/* The badge's category: Party and government organs, or institutions. */
static const char *
category(const char *kind)
{
	return kind != NULL && !strcmp(kind, "institution") ? "institution"
							    : "organ";
}

static int
logo_row(void *arg, struct store_row *r)
{
	struct ecert_logo *l = arg;
	const char *t;

	memset(l, 0, sizeof(*l));
	str_copy(l->id, store_row_text(r, 0), sizeof(l->id));
	str_copy(l->unit, store_row_text(r, 1), sizeof(l->unit));
	str_copy(l->app, store_row_text(r, 2), sizeof(l->app));
	str_copy(l->category, store_row_text(r, 3), sizeof(l->category));
	l->domains = xstrdup(store_row_text(r, 4));
	str_copy(l->issued, store_row_text(r, 5), sizeof(l->issued));
	if ((t = store_row_text(r, 6)) != NULL)
		str_copy(l->revoked, t, sizeof(l->revoked));
	if ((t = store_row_text(r, 7)) != NULL)
		str_copy(l->unit_name, t, sizeof(l->unit_name));
	if ((t = store_row_text(r, 8)) != NULL)
		str_copy(l->app_name, t, sizeof(l->app_name));
	l->found = 1;
	return 1;
}

#define LOGO_COLS                                                              \
	"l.id, l.unit, l.app, l.category, l.domains, l.issued, l.revoked, "    \
	"u.name, a.name"
#define LOGO_FROM                                                              \
	" FROM ecert_logos l LEFT JOIN units u ON u.uscc = l.unit LEFT JOIN "  \
	"apps a ON a.id = l.app"

int
ecert_logo_get(struct store *st, const char *id, struct ecert_logo *out,
	       struct err *e)
{
	struct store_val v[1] = {SV_TEXT(id)};

	memset(out, 0, sizeof(*out));
	if (strlen(id) != 16 || strspn(id, "0123456789abcdef") != 16)
		return 1;
	if (store_query(st, "SELECT " LOGO_COLS LOGO_FROM " WHERE l.id = ?", v,
			1, logo_row, out, e) < 0)
		return -1;
	return out->found ? 0 : 1;
}

void
ecert_logo_cleanup(struct ecert_logo *l)
{
	free(l->domains);
	l->domains = NULL;
}

static int
domain_row(void *arg, struct store_row *r)
{
	json_array_append_new(arg, json_string(store_row_text(r, 0)));
	return 0;
}

int
ecert_logo_issue(struct store *st, const char *app, const char *actor,
		 char id[17], struct err *e)
{
	struct store_val v[7];
	unsigned char raw[8];
	char at[32], obj[64], *unit = NULL, *kind = NULL, *name = NULL,
			      *doms = NULL, *entry = NULL;
	json_t *names = NULL, *o;
	int rc = -1;

	v[0] = SV_TEXT(app);
	unit = store_query_text(st,
				"SELECT unit FROM apps WHERE id = ? AND "
				"coalesce(status, 'live') <> 'closed'",
				v, 1);
	if (unit == NULL) {
		err_set(e, "application '%s' is not registered or is closed",
			app);
		return -1;
	}
	name = store_query_text(st, "SELECT name FROM apps WHERE id = ?", v, 1);
	v[0] = SV_TEXT(unit);
	kind =
	    store_query_text(st, "SELECT kind FROM units WHERE uscc = ?", v, 1);
	/* only for a name the department approved (NAME-2) */
	v[0] = SV_TEXT(unit);
	v[1] = SV_TEXT(name);
	v[2] = SV_TEXT(app);
	if (store_query_int(st,
			    "SELECT COUNT(*) FROM ecert_names WHERE unit = ? "
			    "AND name = ? AND state = 'approved' AND (app IS "
			    "NULL OR app = ?)",
			    v, 3, 0) == 0) {
		err_set(e,
			"application '%s': its name '%s' is not an approved "
			"online name (govsec name apply, approve)",
			app, name);
		goto done;
	}
	/* the registry's names of its domains (A-labels, as the inspector
	 * sees hosts), the main domain first */
	v[0] = SV_TEXT(app);
	names = json_array();
	if (store_query(st,
			"SELECT name FROM domains WHERE app = ? ORDER BY main "
			"DESC, name",
			v, 1, domain_row, names, e) < 0)
		goto done;
	free(doms);
	doms = json_dumps(names, JSON_COMPACT);
	if (rand_bytes(raw, sizeof(raw)) < 0) {
		err_set(e, "no random bytes for the logo's id");
		goto done;
	}
	hex_encode(raw, sizeof(raw), id);
	time_fmt(time_now(), at, sizeof(at));
	if (store_begin(st, e) < 0)
		goto done;
	v[0] = SV_TEXT(id);
	v[1] = SV_TEXT(unit);
	v[2] = SV_TEXT(app);
	v[3] = SV_TEXT(category(kind));
	v[4] = SV_TEXT(doms);
	v[5] = SV_TEXT(at);
	v[6] = SV_TEXT(actor);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O, s:s}", "type",
		      "logo.issue", "id", id, "uscc", unit, "app", app,
		      "category", category(kind), "domains", names, "at", at);
	entry = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	str_fmt(obj, sizeof(obj), "unit:%s", unit);
	if (store_exec(
		st,
		"INSERT INTO ecert_logos (id, unit, app, category, "
		"domains, issued, issued_by) VALUES (?, ?, ?, ?, ?, ?, ?)",
		v, 7, e) < 0 ||
	    entry == NULL || tlog_append(st, "logo.issue", entry, e) < 0 ||
	    audit_append(st, actor, "ecert.logo_issue", obj, NULL, id, e) < 0) {
		store_rollback(st);
		goto done;
	}
	rc = store_commit(st, e);
done:
	json_decref(names);
	free(entry);
	free(doms);
	free(unit);
	free(kind);
	free(name);
	return rc;
}

int
ecert_logo_revoke(struct store *st, const char *id, const char *reason,
		  const char *actor, struct err *e)
{
	struct ecert_logo l;
	struct store_val v[3];
	char at[32], obj[64], *entry;
	json_t *o;
	int found;

	if (reason == NULL || reason[0] == '\0') {
		err_set(e, "a revocation needs --reason");
		return -1;
	}
	if ((found = ecert_logo_get(st, id, &l, e)) != 0) {
		if (found > 0)
			err_set(e, "no logo '%s'", id);
		return -1;
	}
	ecert_logo_cleanup(&l);
	if (l.revoked[0] != '\0') {
		err_set(e, "logo %s was revoked already on %s", id, l.revoked);
		return -1;
	}
	time_fmt(time_now(), at, sizeof(at));
	o = json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "logo.revoke", "id",
		      id, "uscc", l.unit, "reason", reason, "at", at);
	entry = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	v[0] = SV_TEXT(at);
	v[1] = SV_TEXT(reason);
	v[2] = SV_TEXT(id);
	str_fmt(obj, sizeof(obj), "unit:%s", l.unit);
	if (store_begin(st, e) < 0) {
		free(entry);
		return -1;
	}
	if (store_exec(st,
		       "UPDATE ecert_logos SET revoked = ?, reason = ? WHERE "
		       "id = ?",
		       v, 3, e) < 0 ||
	    entry == NULL || tlog_append(st, "logo.revoke", entry, e) < 0 ||
	    audit_append(st, actor, "ecert.logo_revoke", obj, id, NULL, e) <
		0) {
		store_rollback(st);
		free(entry);
		return -1;
	}
	free(entry);
	return store_commit(st, e);
}

static int
list_row(void *arg, struct store_row *r)
{
	struct ecert_logo l;

	logo_row(&l, r);
	json_array_append_new(
	    arg,
	    json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:s?}", "id", l.id,
		      "unit", l.unit, "app", l.app, "category", l.category,
		      "domains", json_loads(l.domains, 0, NULL), "issued",
		      l.issued, "revoked", l.revoked[0] ? l.revoked : NULL));
	ecert_logo_cleanup(&l);
	return 0;
}

json_t *
ecert_logos_json(struct store *st, const char *unit, int valid_only,
		 struct err *e)
{
	json_t *a = json_array();
	struct store_val v[2] = {SV_TEXT(unit), SV_TEXT(unit)};

	if (store_query(st,
			valid_only
			    ? "SELECT " LOGO_COLS LOGO_FROM
			      " WHERE (? IS NULL OR l.unit = ?) AND "
			      "l.revoked IS NULL ORDER BY l.issued, l.id"
			    : "SELECT " LOGO_COLS LOGO_FROM
			      " WHERE (? IS NULL OR l.unit = ?) ORDER BY "
			      "l.issued, l.id",
			v, 2, list_row, a, e) < 0) {
		json_decref(a);
		return NULL;
	}
	return a;
}

int
ecert_logo_svg(const struct ecert_logo *l, const char *base, struct buf *b)
{
	struct buf qr = BUF_INIT(256 * 1024), url = BUF_INIT(2048);
	int organ = !strcmp(l->category, "organ"), w = 0, rc;
	const char *color = organ ? "#c8161d" : "#1d5fb5";
	json_t *d = json_loads(l->domains != NULL ? l->domains : "[]", 0, NULL);
	const char *dom = json_string_value(json_array_get(d, 0));

	rc = buf_printf(&url, "%s/v1/logo/%s", base, l->id);
	if (rc == 0)
		rc = qr_path(&qr, url.data, &w);
	/* 360 x 120: the QR code on the left, the text on the right */
	if (rc == 0)
		rc = buf_printf(
		    b,
		    "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"360\" "
		    "height=\"120\" viewBox=\"0 0 360 120\" role=\"img\" "
		    "aria-label=\"%s\">"
		    "<rect x=\"1\" y=\"1\" width=\"358\" height=\"118\" "
		    "rx=\"6\" "
		    "fill=\"#fff\" stroke=\"%s\" stroke-width=\"2\"/>"
		    "<g transform=\"translate(10 10) scale(%.4f)\">"
		    "<path fill=\"#000\" d=\"",
		    organ ? "党政机关网站标识" : "事业单位网站标识", color,
		    100.0 / (w > 0 ? w : 1));
	if (rc == 0)
		rc = buf_add(b, qr.data, qr.len);
	if (rc == 0)
		rc = buf_printf(
		    b,
		    "\"/></g><g font-family=\"sans-serif\" fill=\"%s\">"
		    "<text x=\"122\" y=\"32\" font-size=\"18\" "
		    "font-weight=\"bold\">%s</text>"
		    "<text x=\"122\" y=\"56\" font-size=\"14\" fill=\"#222\">",
		    color, organ ? "党政机关" : "事业单位");
	if (rc == 0)
		rc = buf_add_html(b, l->unit_name[0] ? l->unit_name : l->unit);
	if (rc == 0)
		rc = buf_addstr(b, "</text><text x=\"122\" y=\"78\" "
				   "font-size=\"12\" fill=\"#444\">");
	if (rc == 0 && dom != NULL)
		rc = buf_add_html(b, dom);
	if (rc == 0)
		rc = buf_printf(b,
				"</text><text x=\"122\" y=\"100\" "
				"font-size=\"11\" fill=\"#666\">扫码核验 Scan "
				"to verify · %s</text></g></svg>",
				l->id);
	json_decref(d);
	buf_cleanup(&qr);
	buf_cleanup(&url);
	return rc;
}

/*
 * The PNG badge: the SVG's layout at twice its size, drawn into a palette
 * image and written by libpng. Without a font library there is no way to
 * draw the unit's name (Chinese), so the PNG carries the QR code, the
 * category (its colour and its name in English), the main domain and the
 * logo's id, in the 5 x 7 bitmap font below (lower-case letters, digits
 * and ". - : /"; other characters are left blank). The same logo gives the
 * same bytes.
 */
#define BADGE_W 720
#define BADGE_H 240
enum { PX_WHITE, PX_BLACK, PX_CATEGORY, PX_GREY };

static const struct glyph {
	char c;
	unsigned char drop;    /* rows below the top: 2 for descenders */
	unsigned char rows[7]; /* 5 bits each, the leftmost pixel highest */
} glyphs[] = {
    {'0', 0, {0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e}},
    {'1', 0, {0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e}},
    {'2', 0, {0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f}},
    {'3', 0, {0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e}},
    {'4', 0, {0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02}},
    {'5', 0, {0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e}},
    {'6', 0, {0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e}},
    {'7', 0, {0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08}},
    {'8', 0, {0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e}},
    {'9', 0, {0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c}},
    {'a', 0, {0x00, 0x00, 0x0e, 0x01, 0x0f, 0x11, 0x0f}},
    {'b', 0, {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x1e}},
    {'c', 0, {0x00, 0x00, 0x0e, 0x10, 0x10, 0x11, 0x0e}},
    {'d', 0, {0x01, 0x01, 0x0d, 0x13, 0x11, 0x11, 0x0f}},
    {'e', 0, {0x00, 0x00, 0x0e, 0x11, 0x1f, 0x10, 0x0e}},
    {'f', 0, {0x06, 0x09, 0x08, 0x1c, 0x08, 0x08, 0x08}},
    {'g', 2, {0x0f, 0x11, 0x11, 0x11, 0x0f, 0x01, 0x0e}},
    {'h', 0, {0x10, 0x10, 0x16, 0x19, 0x11, 0x11, 0x11}},
    {'i', 0, {0x04, 0x00, 0x0c, 0x04, 0x04, 0x04, 0x0e}},
    {'j', 0, {0x02, 0x00, 0x06, 0x02, 0x02, 0x12, 0x0c}},
    {'k', 0, {0x10, 0x10, 0x12, 0x14, 0x18, 0x14, 0x12}},
    {'l', 0, {0x0c, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e}},
    {'m', 0, {0x00, 0x00, 0x1a, 0x15, 0x15, 0x11, 0x11}},
    {'n', 0, {0x00, 0x00, 0x16, 0x19, 0x11, 0x11, 0x11}},
    {'o', 0, {0x00, 0x00, 0x0e, 0x11, 0x11, 0x11, 0x0e}},
    {'p', 2, {0x1e, 0x11, 0x11, 0x11, 0x1e, 0x10, 0x10}},
    {'q', 2, {0x0f, 0x11, 0x11, 0x11, 0x0f, 0x01, 0x01}},
    {'r', 0, {0x00, 0x00, 0x16, 0x19, 0x10, 0x10, 0x10}},
    {'s', 0, {0x00, 0x00, 0x0e, 0x10, 0x0e, 0x01, 0x1e}},
    {'t', 0, {0x08, 0x08, 0x1c, 0x08, 0x08, 0x09, 0x06}},
    {'u', 0, {0x00, 0x00, 0x11, 0x11, 0x11, 0x13, 0x0d}},
    {'v', 0, {0x00, 0x00, 0x11, 0x11, 0x11, 0x0a, 0x04}},
    {'w', 0, {0x00, 0x00, 0x11, 0x11, 0x15, 0x15, 0x0a}},
    {'x', 0, {0x00, 0x00, 0x11, 0x0a, 0x04, 0x0a, 0x11}},
    {'y', 2, {0x11, 0x11, 0x11, 0x11, 0x0f, 0x01, 0x0e}},
    {'z', 0, {0x00, 0x00, 0x1f, 0x02, 0x04, 0x08, 0x1f}},
    {'.', 0, {0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c}},
    {'-', 0, {0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00}},
    {':', 0, {0x00, 0x0c, 0x0c, 0x00, 0x0c, 0x0c, 0x00}},
    {'/', 0, {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}},
};

struct canvas {
	unsigned char *px; /* BADGE_W * BADGE_H palette indexes */
};

static void
fill(struct canvas *cv, int x0, int y0, int x1, int y1, unsigned char c)
{
	for (int y = y0 < 0 ? 0 : y0; y < y1 && y < BADGE_H; y++)
		for (int x = x0 < 0 ? 0 : x0; x < x1 && x < BADGE_W; x++)
			cv->px[y * BADGE_W + x] = c;
}

/* Draws s from (x, y) at scale k (a glyph is 5k x 7k, 9k with a
 * descender, advance 6k) up to
 * x = xmax; the characters that do not fit are left out. */
static void
text(struct canvas *cv, int x, int y, int k, int xmax, const char *s,
     unsigned char c)
{
	for (; *s != '\0' && x + 5 * k <= xmax; s++, x += 6 * k) {
		const struct glyph *g = NULL;

		for (size_t i = 0; i < ARRAY_SIZE(glyphs) && g == NULL; i++)
			if (glyphs[i].c == *s)
				g = &glyphs[i];
		for (int r = 0; g != NULL && r < 7; r++)
			for (int b = 0; b < 5; b++)
				if (g->rows[r] & (0x10 >> b))
					fill(cv, x + b * k,
					     y + (r + g->drop) * k,
					     x + (b + 1) * k,
					     y + (r + g->drop + 1) * k, c);
	}
}

int
ecert_logo_png(const struct ecert_logo *l, const char *base, struct buf *b)
{
	struct canvas cv = {NULL};
	struct buf url = BUF_INIT(2048);
	unsigned char *mods = NULL, *out = NULL;
	png_image img;
	png_alloc_size_t size = 0;
	int organ = !strcmp(l->category, "organ"), w = 0, k, ox, oy, rc = -1;
	/* white, black, the category's colour (as the SVG's), grey */
	png_byte cmap[4 * 3] = {0xff, 0xff, 0xff, 0x00, 0x00, 0x00,
				0xc8, 0x16, 0x1d, 0x44, 0x44, 0x44};
	json_t *d = json_loads(l->domains != NULL ? l->domains : "[]", 0, NULL);
	const char *dom = json_string_value(json_array_get(d, 0));
	char line[64];

	memset(&img, 0, sizeof(img)); /* png_image_free at the end */
	if (!organ) {		      /* an institution's blue */
		cmap[6] = 0x1d;
		cmap[7] = 0x5f;
		cmap[8] = 0xb5;
	}
	if (buf_printf(&url, "%s/v1/logo/%s", base, l->id) < 0 ||
	    qr_modules(url.data, &mods, &w) < 0 || w <= 0 || w > 177)
		goto done;
	cv.px = xcalloc(BADGE_W * BADGE_H, 1);
	/* the frame in the category's colour, 4 px */
	fill(&cv, 0, 0, BADGE_W, 4, PX_CATEGORY);
	fill(&cv, 0, BADGE_H - 4, BADGE_W, BADGE_H, PX_CATEGORY);
	fill(&cv, 0, 0, 4, BADGE_H, PX_CATEGORY);
	fill(&cv, BADGE_W - 4, 0, BADGE_W, BADGE_H, PX_CATEGORY);
	/* the QR code in a 208 px square, with a quiet zone of 2 modules at
	 * least besides the badge's white margin */
	k = 208 / (w + 4);
	if (k < 1)
		k = 1;
	ox = 16 + (208 - w * k) / 2;
	oy = 16 + (208 - w * k) / 2;
	for (int y = 0; y < w; y++)
		for (int x = 0; x < w; x++)
			if (mods[y * w + x])
				fill(&cv, ox + x * k, oy + y * k,
				     ox + (x + 1) * k, oy + (y + 1) * k,
				     PX_BLACK);
	/* the category: a band of its colour with its name */
	fill(&cv, 240, 20, 704, 76, PX_CATEGORY);
	text(&cv, 252, 34, 4, 700, organ ? "party/gov organ" : "institution",
	     PX_WHITE);
	if (dom != NULL)
		text(&cv, 244, 96, strlen(dom) <= 25 ? 3 : 2, 704, dom,
		     PX_BLACK);
	str_fmt(line, sizeof(line), "logo %s", l->id);
	text(&cv, 244, 150, 3, 704, line, PX_BLACK);
	text(&cv, 244, 196, 2, 704, "scan to verify", PX_GREY);

	img.version = PNG_IMAGE_VERSION;
	img.width = BADGE_W;
	img.height = BADGE_H;
	img.format = PNG_FORMAT_RGB_COLORMAP;
	img.colormap_entries = 4;
	if (!png_image_write_to_memory(&img, NULL, &size, 0, cv.px, BADGE_W,
				       cmap) ||
	    size == 0 || size > LOGO_BADGE_MAX)
		goto done;
	out = xmalloc(size);
	if (!png_image_write_to_memory(&img, out, &size, 0, cv.px, BADGE_W,
				       cmap))
		goto done;
	rc = buf_add(b, out, size);
done:
	png_image_free(&img);
	json_decref(d);
	free(out);
	free(cv.px);
	free(mods);
	buf_cleanup(&url);
	return rc;
}
