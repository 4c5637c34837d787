/* SPDX-License-Identifier: BSD-3-Clause */
/* One IPsec-MB manager per test program, made as the dataplane makes its
 * own (init_mb_mgr_auto: the best instruction set of this CPU). */
#ifndef MG_TEST_MB_MGR_FIXTURE_H
#define MG_TEST_MB_MGR_FIXTURE_H

#include <intel-ipsec-mb.h>

static IMB_MGR *mgr;

static int
mb_mgr_setup(void **state)
{
	(void)state;
	mgr = alloc_mb_mgr(0);
	if (mgr == NULL)
		return -1;
	init_mb_mgr_auto(mgr, NULL);
	return 0;
}

static int
mb_mgr_teardown(void **state)
{
	(void)state;
	free_mb_mgr(mgr);
	return 0;
}

#endif /* MG_TEST_MB_MGR_FIXTURE_H */
