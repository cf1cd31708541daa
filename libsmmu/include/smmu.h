/*
 * smmu.h: the client API of smmuman, with the names, types and values of the
 * QNX SMMUMAN client library (QNX SDP 7.0-8.0 SMMUMAN User's Guide, "smmu.h"
 * API reference; ../shared/reference/qnx-smmuman.md section 1). A program
 * written against QNX's smmu.h compiles against this one unchanged.
 *
 * Where this implementation differs from, or chooses beyond, the QNX
 * documentation, docs/client-api.md says so.
 */
#ifndef SMMU_H_INCLUDED
#define SMMU_H_INCLUDED

#include <stdint.h>
#include <sys/types.h>

#ifdef __QNXNTO__
#include <sys/platform.h>
#else
/* QNX's <sys/platform.h> fixed-width names. */
typedef uint32_t _Uint32t;
typedef uint64_t _Uint64t;
#endif

#ifdef __cplusplus
extern "C" {
#endif

struct sigevent;

#define SMMU_ABILITY_ATTACH_NAME "smmu/attach"
#define SMMU_ABILITY_TARGET_NAME "smmu/target"

#define SMMUMAN_SAFETY_ERROR (-1)
#define SMMUMAN_SAFETY_NO 0
#define SMMUMAN_SAFETY_YES 0xffff

enum smmu_devid_type {
  SDT_PCI,
  SDT_MMIO,
  SDT_NUM_TYPES,
};

struct smmu_devid_pci {
  unsigned type; /* SDT_PCI */
  unsigned bus;
  unsigned dev;
  unsigned func;
};
#define SMMU_PCI_FIELD_ANY (~0u)

struct smmu_devid_mmio {
  unsigned type; /* SDT_MMIO */
  unsigned length;
  _Uint64t phys;
};

union smmu_devid {
  unsigned type;
  struct smmu_devid_pci pci;
  struct smmu_devid_mmio mmio;
  _Uint64t __spacer[4];
};

enum smmu_mapping_flags {
  SMF_NONE = 0x00,
  SMF_READ = 0x01,
  SMF_WRITE = 0x02,
  SMF_EXEC = 0x04,
  SMF_VIRT = 0x08,
  SMF_TARGET = 0x10,
};

struct smmu_map_entry {
  union {
    void *virt;
    _Uint32t virt32;
    _Uint64t virt64;
    _Uint64t phys;
  };
  _Uint64t len;
};

struct smmu_status {
  _Uint64t hw_specific;
  _Uint64t fault_addr;
  union smmu_devid devid;
  unsigned flags;
};
#define SSF_DROPPED_FAULTS 0x80000000u

enum smmu_obj_create_flags {
  SOCF_NONE = 0x0000,
  SOCF_RESERVED_MANUAL = 0x0001,
};

struct smmu_object;

int smmu_init(unsigned __flags);
int smmu_safety(void) __attribute__((deprecated));
void smmu_fini(void);
int smmu_xfer_notify(const struct sigevent *__evp);
int smmu_xfer_status(struct smmu_status *__ssp);

struct smmu_object *smmu_obj_create(unsigned __flags);
void smmu_obj_destroy(struct smmu_object *__sop);

int smmu_device_add_generic(struct smmu_object *__sop, const union smmu_devid *__devid);

static inline int smmu_device_add_pci(struct smmu_object *const sop, unsigned const pbus, unsigned const pdev,
                                      unsigned const pfunc) {
  union smmu_devid devid;
  devid.__spacer[0] = devid.__spacer[1] = devid.__spacer[2] = devid.__spacer[3] = 0;
  devid.pci.type = SDT_PCI;
  devid.pci.bus = pbus;
  devid.pci.dev = pdev;
  devid.pci.func = pfunc;
  return smmu_device_add_generic(sop, &devid);
}

static inline int smmu_device_add_mmio(struct smmu_object *const sop, _Uint64t const phys, unsigned const len) {
  union smmu_devid devid;
  devid.__spacer[0] = devid.__spacer[1] = devid.__spacer[2] = devid.__spacer[3] = 0;
  devid.mmio.type = SDT_MMIO;
  devid.mmio.length = len;
  devid.mmio.phys = phys;
  return smmu_device_add_generic(sop, &devid);
}

unsigned smmu_device_report_reserved(const union smmu_devid *__devid, unsigned __offset,
                                     struct smmu_map_entry *__resv, unsigned __nresv);

int smmu_mapping_add(struct smmu_object *__sop, unsigned __flags, pid_t __pid, unsigned __num_entries,
                     const struct smmu_map_entry *__entries, _Uint64t __target);

#ifdef __cplusplus
}
#endif

#endif /* SMMU_H_INCLUDED */
