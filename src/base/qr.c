/*
 * qr.c: QR codes (libqrencode) as SVG path data, for what govsec shows to
 * be scanned: the gate's TOTP enrolment and the online logos' badges
 * (SVG path data, or the modules for a raster badge).
 */
#include <stdlib.h>

#include <qrencode.h>

#include "base/base.h"

int
qr_modules(const char *text, unsigned char **mods, int *width)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	size_t n;

	*mods = NULL;
	if (q == NULL)
		return -1;
	n = (size_t)q->width * (size_t)q->width;
	*mods = xmalloc(n);
	for (size_t i = 0; i < n; i++)
		(*mods)[i] = q->data[i] & 1;
	*width = q->width;
	QRcode_free(q);
	return 0;
}

int
qr_path(struct buf *b, const char *text, int *width)
{
	unsigned char *m;
	int w, rc = 0;

	if (qr_modules(text, &m, &w) < 0)
		return -1;
	for (int y = 0; y < w && rc == 0; y++)
		for (int x = 0; x < w && rc == 0; x++)
			if (m[y * w + x])
				rc = buf_printf(b, "M%d %dh1v1h-1z", x, y);
	free(m);
	*width = w;
	return rc;
}
