/*
 * A libsmmu client written from the QNX SMMUMAN documentation alone (the
 * "Typical client sequence" and the smmu.h reference pages): nothing in it
 * knows smmuman is not QNX's. The end-to-end test runs it against the daemon.
 *
 *   qnx_client hold BUS DEV FUNC ADDR LEN   attach a PCI device, map [ADDR, ADDR+LEN) read/write,
 *                                           wait for a transgression, report it, then wait to be killed
 *   qnx_client attach BUS DEV FUNC          try to attach the device; exit 0 if it is someone else's (EBUSY)
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <smmu.h>

static unsigned number(const char *text) { return (unsigned)strtoul(text, NULL, 0); }

static int hold(unsigned bus, unsigned dev, unsigned func, _Uint64t addr, _Uint64t len) {
  struct smmu_object *sop;
  struct smmu_map_entry entry;
  struct smmu_map_entry reserved[4];
  union smmu_devid devid;
  struct sigevent event;
  struct smmu_status status;
  sigset_t wait_for;
  struct timespec timeout = {30, 0};
  int rc;

  if (smmu_init(0) == -1) {
    printf("smmu_init failed: %s\n", strerror(errno));
    return 1;
  }
  sop = smmu_obj_create(SOCF_NONE);
  if (sop == NULL) {
    printf("smmu_obj_create failed: %s\n", strerror(errno));
    return 1;
  }
  rc = smmu_device_add_pci(sop, bus, dev, func);
  if (rc < 0) {
    printf("smmu_device_add_pci failed: %s\n", strerror(errno));
    return 1;
  }
  memset(&devid, 0, sizeof devid);
  devid.pci.type = SDT_PCI;
  devid.pci.bus = bus;
  devid.pci.dev = dev;
  devid.pci.func = func;
  if (smmu_device_report_reserved(&devid, 0, reserved, 4) == (unsigned)-1) {
    printf("smmu_device_report_reserved failed: %s\n", strerror(errno));
    return 1;
  }
  entry.phys = addr;
  entry.len = len;
  if (smmu_mapping_add(sop, SMF_READ | SMF_WRITE, 0, 1, &entry, 0) < 0) {
    printf("smmu_mapping_add failed: %s\n", strerror(errno));
    return 1;
  }
  /* Transgressions arrive as a signal; block it so sigtimedwait takes it. */
  sigemptyset(&wait_for);
  sigaddset(&wait_for, SIGUSR1);
  sigprocmask(SIG_BLOCK, &wait_for, NULL);
  memset(&event, 0, sizeof event);
  event.sigev_notify = SIGEV_SIGNAL;
  event.sigev_signo = SIGUSR1;
  if (smmu_xfer_notify(&event) == -1) {
    printf("smmu_xfer_notify failed: %s\n", strerror(errno));
    return 1;
  }
  printf("ready: device %u:%u.%u maps 0x%llx+0x%llx read/write\n", bus, dev, func, (unsigned long long)addr,
         (unsigned long long)len);
  fflush(stdout);
  if (sigtimedwait(&wait_for, NULL, &timeout) != SIGUSR1) {
    printf("no transgression reported within 30 s\n");
    return 1;
  }
  while ((rc = smmu_xfer_status(&status)) > 0) {
    printf("transgression: address 0x%llx device %u:%u.%u hw_specific 0x%llx flags 0x%x\n",
           (unsigned long long)status.fault_addr, status.devid.pci.bus, status.devid.pci.dev, status.devid.pci.func,
           (unsigned long long)status.hw_specific, status.flags);
  }
  if (rc < 0) {
    printf("smmu_xfer_status failed: %s\n", strerror(errno));
    return 1;
  }
  printf("holding the device until killed\n");
  fflush(stdout);
  for (;;) pause();
}

static int attach(unsigned bus, unsigned dev, unsigned func) {
  struct smmu_object *sop;
  int rc, error;
  if (smmu_init(0) == -1) {
    printf("smmu_init failed: %s\n", strerror(errno));
    return 1;
  }
  sop = smmu_obj_create(SOCF_NONE);
  if (sop == NULL) {
    printf("smmu_obj_create failed: %s\n", strerror(errno));
    return 1;
  }
  rc = smmu_device_add_pci(sop, bus, dev, func);
  error = errno;
  printf("smmu_device_add_pci: %d (%s)\n", rc, rc < 0 ? (error == EBUSY ? "EBUSY" : strerror(error)) : "attached");
  smmu_obj_destroy(sop);
  smmu_fini();
  return rc < 0 && error == EBUSY ? 0 : 1;
}

int main(int argc, char **argv) {
  if (argc == 7 && strcmp(argv[1], "hold") == 0) {
    return hold(number(argv[2]), number(argv[3]), number(argv[4]), strtoull(argv[5], NULL, 0),
                strtoull(argv[6], NULL, 0));
  }
  if (argc == 5 && strcmp(argv[1], "attach") == 0) return attach(number(argv[2]), number(argv[3]), number(argv[4]));
  fprintf(stderr, "usage: qnx_client hold BUS DEV FUNC ADDR LEN | attach BUS DEV FUNC\n");
  return 2;
}
