// SPDX-License-Identifier: MIT
/* Read-only decoding of a region image, for dump tools (public API). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pbuf.h"
#include "protocol.h"

__attribute__((format(printf, 3, 4)))
static void set_problem(struct icmsg_region_info *info, int err, const char *fmt, ...)
{
	va_list ap;

	if (info->error)
		return;
	info->error = err;
	va_start(ap, fmt);
	vsnprintf(info->problem, sizeof(info->problem), fmt, ap);
	va_end(ap);
}

ICMSG_EXPORT int icmsg_region_inspect(const void *image, size_t size, uint32_t dcache_alignment,
				      bool handshake, struct icmsg_region_info *ret,
				      icmsg_packet_fn fn, void *userdata)
{
	struct pbuf_layout l;
	struct region r;
	struct pbuf pb;
	uint8_t *copy, *msg;
	uint32_t rd, wr, at;
	int n;

	if (!image || !ret)
		return -EINVAL;
	if (pbuf_layout_init(&l, size, dcache_alignment, handshake, NULL) < 0)
		return -EINVAL;
	/* Work on a private copy: reading advances rd_idx, and the caller's
	 * image must stay as it is. */
	copy = malloc(size);
	msg = malloc(l.len);
	if (!copy || !msg) {
		free(copy);
		free(msg);
		return -ENOMEM;
	}
	memcpy(copy, image, size);
	region_init_mem(&r, copy, size);
	pbuf_init(&pb, &r, &l);

	memset(ret, 0, sizeof(*ret));
	ret->size = l.size;
	ret->dcache_alignment = l.dcache;
	ret->has_handshake = l.handshake;
	ret->rd_idx_off = l.rd_off;
	ret->handshake_off = l.hs_off;
	ret->wr_idx_off = l.wr_off;
	ret->data_off = l.data_off;
	ret->data_len = l.len;
	ret->rd_idx = rd = pbuf_shared_rd(&pb);
	ret->wr_idx = wr = pbuf_shared_wr(&pb);
	ret->handshake = pbuf_handshake_load(&pb);

	if (rd % 4 || rd >= l.len)
		set_problem(ret, -EBADMSG, "rd_idx %u is out of range or misaligned", rd);
	if (wr % 4 || wr >= l.len)
		set_problem(ret, -EBADMSG, "wr_idx %u is out of range or misaligned", wr);
	if (ret->error)
		goto out;
	ret->used = wr >= rd ? wr - rd : l.len - (rd - wr);
	ret->free = l.len - ret->used - PBUF_IDX_SIZE;
	pbuf_rx_resync(&pb, rd);

	for (;;) {
		at = pb.rd_local;
		n = pbuf_read(&pb, msg, l.len);
		if (n == 0)
			break;
		if (n < 0) {
			snprintf(ret->problem, sizeof(ret->problem), "packet at data offset %u: %s "
				 "(value %u)", at, pb.problem ? pb.problem : "unreadable",
				 pb.bad_value);
			ret->error = n;
			break;
		}
		if (ret->packets == 0 && n >= PROTO_MAGIC_LEN &&
		    memcmp(msg, proto_magic, PROTO_MAGIC_LEN) == 0)
			ret->magic_first = true;
		ret->packets++;
		ret->pending_bytes += (uint32_t)n;
		if (fn && fn(at, msg, (size_t)n, userdata))
			break;
	}
out:
	free(copy);
	free(msg);
	return 0;
}
