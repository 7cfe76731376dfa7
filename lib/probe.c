// SPDX-License-Identifier: MIT
/*
 * icmsg_link_config_probe(): does what a configuration names exist on this
 * machine? The backends' probe calls look without mapping or opening
 * devices; their first error line becomes the message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doorbell.h"
#include "region.h"

struct probe_capture {
	char line[400];
	bool have;
};

static void capture(int priority, const char *msg, void *userdata)
{
	struct probe_capture *c = userdata;

	if (priority <= LOG_ERR && !c->have) {
		snprintf(c->line, sizeof(c->line), "%s", msg);
		c->have = true;
	}
}

static int report(int err, const struct probe_capture *c, const char *key, char **ret_msg)
{
	if (ret_msg && asprintf(ret_msg, "%s: %s", key,
				c->have ? c->line : strerror(err == -EOPNOTSUPP ? ENODEV : -err)) < 0)
		*ret_msg = NULL;
	return err;
}

/* Probe every region and doorbell; a real problem outranks "cannot check here". */
static int probe_all(const struct icmsg_link_config *cfg, char **ret_msg)
{
	const struct {
		const char *key;
		const struct icmsg_region_config *region;
		const struct icmsg_mbox_config *mbox;
	} items[] = {
		{ "tx-region", &cfg->tx_region, NULL },
		{ "rx-region", &cfg->rx_region, NULL },
		{ "mboxes.tx", NULL, &cfg->tx_mbox },
		{ "mboxes.rx", NULL, &cfg->rx_mbox },
	};
	struct probe_capture cap, first_unsupported;
	struct logger log = { .fn = capture, .userdata = &cap };
	const char *unsupported_key = NULL;
	int err;

	for (size_t i = 0; i < ARRAY_SIZE(items); i++) {
		memset(&cap, 0, sizeof(cap));
		err = items[i].region ? region_probe(items[i].region, cfg->create, &log)
				      : doorbell_probe(items[i].mbox, cfg->create, &log);
		if (err == -EOPNOTSUPP) {
			if (!unsupported_key) {
				unsupported_key = items[i].key;
				first_unsupported = cap;
			}
			continue;
		}
		if (err < 0)
			return report(err, &cap, items[i].key, ret_msg);
	}
	if (unsupported_key)
		return report(-EOPNOTSUPP, &first_unsupported, unsupported_key, ret_msg);
	return 0;
}

ICMSG_EXPORT int icmsg_link_config_probe(const struct icmsg_link_config *cfg, char **ret_msg)
{
	if (ret_msg)
		*ret_msg = NULL;
	if (!cfg)
		return -EINVAL;
	return probe_all(cfg, ret_msg);
}
