/*
 * qr.c: QR codes (libqrencode) as SVG path data, for what govsec shows to
 * be scanned: the gate's TOTP enrolment and the online logos' badges.
 */
#include <qrencode.h>

#include "base/base.h"

int
qr_path(struct buf *b, const char *text, int *width)
{
	QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	int w, rc = 0;

	if (q == NULL)
		return -1;
	w = q->width;
	for (int y = 0; y < w && rc == 0; y++)
		for (int x = 0; x < w && rc == 0; x++)
			if (q->data[y * w + x] & 1)
				rc = buf_printf(b, "M%d %dh1v1h-1z", x, y);
	QRcode_free(q);
	*width = w;
	return rc;
}
