// Spec cross-check for the RISC-V IOMMU: every expected value below was typed
// by hand from the "RISC-V IOMMU Architecture Specification", v1.0.1 (release
// 20250828; Base Architecture 1.0, Ratified) and from "The RISC-V Instruction
// Set Manual, Volume II: Privileged Architecture", version 20260120, not from
// spec/hw/riscv-iommu.yaml. Each row compares one fact against the constant
// smmu-gen generated, so a wrong offset, bit or size in the description fails
// here with the row's name. Section numbers are those of the cited releases.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "smmuman/hw/riscv_iommu.hpp"

#include "backends/common/fact_table.hpp"

namespace {

// Rows here read {what, generated, manual}.
using smmuman::test::Fact;
void check(const std::vector<Fact>& facts) { smmuman::test::check_facts(facts); }

using namespace smmuman::hw::riscv_iommu;


template <class E>
constexpr uint64_t raw(E e) {
  return static_cast<uint64_t>(e);
}

// The first doubleword of command C encoded with every operand 0.
template <class C>
uint64_t low_word() {
  uint64_t words[C::word_count] = {};
  C::encode(words, typename C::template Decoded<uint64_t>{});
  return words[0];
}

// The register offsets and widths match the register layout of the manual.
TEST(RiscvIommuSpec, RegisterOffsetsAndWidths) {
  check({
      // 6.1 Table 15: capabilities at offset 0, size 8
      {"capabilities offset", regs::CAPABILITIES::offset, 0},
      {"capabilities width", regs::CAPABILITIES::width, 64},
      // 6.1 Table 15: fctl at 8, size 4
      {"fctl offset", regs::FCTL::offset, 8},
      {"fctl width", regs::FCTL::width, 32},
      // 6.1 Table 15: ddtp at 16, size 8
      {"ddtp offset", regs::DDTP::offset, 16},
      {"ddtp width", regs::DDTP::width, 64},
      // 6.1 Table 15: cqb 24, cqh 32, cqt 36
      {"cqb offset", regs::CQB::offset, 24},
      {"cqh offset", regs::CQH::offset, 32},
      {"cqh width", regs::CQH::width, 32},
      {"cqt offset", regs::CQT::offset, 36},
      // 6.1 Table 15: fqb 40, fqh 48, fqt 52
      {"fqb offset", regs::FQB::offset, 40},
      {"fqh offset", regs::FQH::offset, 48},
      {"fqt offset", regs::FQT::offset, 52},
      // 6.1 Table 15: pqb 56, pqh 64, pqt 68
      {"pqb offset", regs::PQB::offset, 56},
      {"pqh offset", regs::PQH::offset, 64},
      {"pqt offset", regs::PQT::offset, 68},
      // 6.1 Table 15: cqcsr 72, fqcsr 76, pqcsr 80, ipsr 84
      {"cqcsr offset", regs::CQCSR::offset, 72},
      {"fqcsr offset", regs::FQCSR::offset, 76},
      {"pqcsr offset", regs::PQCSR::offset, 80},
      {"ipsr offset", regs::IPSR::offset, 84},
      // 6.1 Table 15: iocountovf 88, iocountinh 92, iohpmcycles 96 (8 bytes)
      {"iocountovf offset", regs::IOCOUNTOVF::offset, 88},
      {"iocountinh offset", regs::IOCOUNTINH::offset, 92},
      {"iohpmcycles offset", regs::IOHPMCYCLES::offset, 96},
      // 6.1 Table 15: iohpmctr1-31 at 104, 248 bytes = 31 x 8
      {"iohpmctr1 offset", regs::IOHPMCTR::offset_of(0), 104},
      {"iohpmctr31 offset", regs::IOHPMCTR::offset_of(30), 104 + 240},
      {"iohpmctr count", regs::IOHPMCTR::count, 31},
      // 6.1 Table 15: iohpmevt1-31 at 352, 248 bytes
      {"iohpmevt1 offset", regs::IOHPMEVT::offset_of(0), 352},
      {"iohpmevt31 offset", regs::IOHPMEVT::offset_of(30), 352 + 240},
      // 6.1 Table 15: tr_req_iova 600, tr_req_ctl 608, tr_response 616
      {"tr_req_iova offset", regs::TR_REQ_IOVA::offset, 600},
      {"tr_req_ctl offset", regs::TR_REQ_CTL::offset, 608},
      {"tr_response offset", regs::TR_RESPONSE::offset, 616},
      // 6.1 Table 15: iommu_qosid at 624, size 4
      {"iommu_qosid offset", regs::IOMMU_QOSID::offset, 624},
      // 6.1 Table 15: icvec at 760, size 8
      {"icvec offset", regs::ICVEC::offset, 760},
      {"icvec width", regs::ICVEC::width, 64},
      // 6.1 Table 15 and 6.29: msi_cfg_tbl at 768, 256 bytes = 16 entries of 16 bytes;
      // entry x: address +0h, data +8h (low half), vector control +Ch (high half)
      {"msi_addr_0 offset", regs::MSI_ADDR::offset_of(0), 768},
      {"msi_data_0 offset", regs::MSI_DATA::offset_of(0), 768 + 8},
      {"msi_vec_ctl_0 offset", regs::MSI_VEC_CTL::offset_of(0), 768 + 12},
      {"msi_addr_15 offset", regs::MSI_ADDR::offset_of(15), 768 + 15 * 16},
      {"msi_cfg_tbl entries", regs::MSI_ADDR::count, 16},
  });
}

// Register fields sit at the bit positions of the manual's field tables.
TEST(RiscvIommuSpec, RegisterFieldBits) {
  check({
      // 6.3: version 7:0
      {"capabilities.version hi", regs::CAPABILITIES::VERSION::hi, 7},
      {"capabilities.version lo", regs::CAPABILITIES::VERSION::lo, 0},
      // 6.3: Sv32 8, Sv39 9, Sv48 10, Sv57 11
      {"capabilities.Sv32", regs::CAPABILITIES::SV32::lo, 8},
      {"capabilities.Sv39", regs::CAPABILITIES::SV39::lo, 9},
      {"capabilities.Sv48", regs::CAPABILITIES::SV48::lo, 10},
      {"capabilities.Sv57", regs::CAPABILITIES::SV57::lo, 11},
      // 6.3: Svpbmt 15, Sv32x4 16, Sv39x4 17, Sv48x4 18, Sv57x4 19
      {"capabilities.Svpbmt", regs::CAPABILITIES::SVPBMT::lo, 15},
      {"capabilities.Sv39x4", regs::CAPABILITIES::SV39X4::lo, 17},
      {"capabilities.Sv57x4", regs::CAPABILITIES::SV57X4::lo, 19},
      // 6.3: AMO_MRIF 21, MSI_FLAT 22, MSI_MRIF 23, AMO_HWAD 24, ATS 25, T2GPA 26, END 27
      {"capabilities.AMO_MRIF", regs::CAPABILITIES::AMO_MRIF::lo, 21},
      {"capabilities.MSI_FLAT", regs::CAPABILITIES::MSI_FLAT::lo, 22},
      {"capabilities.AMO_HWAD", regs::CAPABILITIES::AMO_HWAD::lo, 24},
      {"capabilities.ATS", regs::CAPABILITIES::ATS::lo, 25},
      {"capabilities.END", regs::CAPABILITIES::END::lo, 27},
      // 6.3: IGS 29:28, HPM 30, DBG 31
      {"capabilities.IGS hi", regs::CAPABILITIES::IGS::hi, 29},
      {"capabilities.IGS lo", regs::CAPABILITIES::IGS::lo, 28},
      {"capabilities.DBG", regs::CAPABILITIES::DBG::lo, 31},
      // 6.3: PAS 37:32, PD8 38, PD17 39, PD20 40
      {"capabilities.PAS hi", regs::CAPABILITIES::PAS::hi, 37},
      {"capabilities.PAS lo", regs::CAPABILITIES::PAS::lo, 32},
      {"capabilities.PD8", regs::CAPABILITIES::PD8::lo, 38},
      {"capabilities.PD20", regs::CAPABILITIES::PD20::lo, 40},
      // 6.4: BE 0, WSI 1, GXL 2
      {"fctl.BE", regs::FCTL::BE::lo, 0},
      {"fctl.WSI", regs::FCTL::WSI::lo, 1},
      {"fctl.GXL", regs::FCTL::GXL::lo, 2},
      // 6.5: iommu_mode 3:0, busy 4, PPN 53:10
      {"ddtp.iommu_mode hi", regs::DDTP::IOMMU_MODE::hi, 3},
      {"ddtp.iommu_mode lo", regs::DDTP::IOMMU_MODE::lo, 0},
      {"ddtp.busy", regs::DDTP::BUSY::lo, 4},
      {"ddtp.PPN hi", regs::DDTP::PPN::hi, 53},
      {"ddtp.PPN lo", regs::DDTP::PPN::lo, 10},
      // 6.6: cqb LOG2SZ-1 4:0, PPN 53:10
      {"cqb.LOG2SZ-1 hi", regs::CQB::LOG2SZM1::hi, 4},
      {"cqb.PPN lo", regs::CQB::PPN::lo, 10},
      // 6.15: cqen 0, cie 1, cqmf 8, cmd_to 9, cmd_ill 10, fence_w_ip 11, cqon 16, busy 17
      {"cqcsr.cqen", regs::CQCSR::CQEN::lo, 0},
      {"cqcsr.cie", regs::CQCSR::CIE::lo, 1},
      {"cqcsr.cqmf", regs::CQCSR::CQMF::lo, 8},
      {"cqcsr.cmd_to", regs::CQCSR::CMD_TO::lo, 9},
      {"cqcsr.cmd_ill", regs::CQCSR::CMD_ILL::lo, 10},
      {"cqcsr.fence_w_ip", regs::CQCSR::FENCE_W_IP::lo, 11},
      {"cqcsr.cqon", regs::CQCSR::CQON::lo, 16},
      {"cqcsr.busy", regs::CQCSR::BUSY::lo, 17},
      // 6.16: fqmf 8, fqof 9, fqon 16
      {"fqcsr.fqof", regs::FQCSR::FQOF::lo, 9},
      {"fqcsr.fqon", regs::FQCSR::FQON::lo, 16},
      // 6.18: cip 0, fip 1, pmip 2, pip 3
      {"ipsr.cip", regs::IPSR::CIP::lo, 0},
      {"ipsr.pmip", regs::IPSR::PMIP::lo, 2},
      {"ipsr.pip", regs::IPSR::PIP::lo, 3},
      // 6.21: iohpmcycles OF 63
      {"iohpmcycles.OF", regs::IOHPMCYCLES::OF::lo, 63},
      // 6.23: eventID 14:0, DMASK 15, PID_PSCID 35:16, DID_GSCID 59:36, IDT 62, OF 63
      {"iohpmevt.eventID hi", regs::IOHPMEVT::EVENTID::hi, 14},
      {"iohpmevt.DMASK", regs::IOHPMEVT::DMASK::lo, 15},
      {"iohpmevt.PID_PSCID lo", regs::IOHPMEVT::PID_PSCID::lo, 16},
      {"iohpmevt.DID_GSCID hi", regs::IOHPMEVT::DID_GSCID::hi, 59},
      {"iohpmevt.IDT", regs::IOHPMEVT::IDT::lo, 62},
      // 6.25: Go/Busy 0, NW 3, PID 31:12, PV 32, DID 63:40
      {"tr_req_ctl.Go/Busy", regs::TR_REQ_CTL::GO_BUSY::lo, 0},
      {"tr_req_ctl.NW", regs::TR_REQ_CTL::NW::lo, 3},
      {"tr_req_ctl.PV", regs::TR_REQ_CTL::PV::lo, 32},
      {"tr_req_ctl.DID lo", regs::TR_REQ_CTL::DID::lo, 40},
      // 6.26: fault 0, PBMT 8:7, S 9, PPN 53:10
      {"tr_response.PBMT lo", regs::TR_RESPONSE::PBMT::lo, 7},
      {"tr_response.S", regs::TR_RESPONSE::S::lo, 9},
      // 6.28: civ 3:0, fiv 7:4, pmiv 11:8, piv 15:12
      {"icvec.fiv lo", regs::ICVEC::FIV::lo, 4},
      {"icvec.piv hi", regs::ICVEC::PIV::hi, 15},
      // 6.29: message address ADDR 55:2; vector control M bit 0
      {"msi_addr.ADDR hi", regs::MSI_ADDR::ADDR::hi, 55},
      {"msi_addr.ADDR lo", regs::MSI_ADDR::ADDR::lo, 2},
      {"msi_vec_ctl.M", regs::MSI_VEC_CTL::M::lo, 0},
  });
}

// Named encodings of register fields are the manual's values.
TEST(RiscvIommuSpec, RegisterEncodings) {
  check({
      // 6.3: IGS 0 MSI, 1 WSI, 2 BOTH
      {"IGS MSI", raw(regs::CAPABILITIES::IGS::Value::MSI), 0},
      {"IGS WSI", raw(regs::CAPABILITIES::IGS::Value::WSI), 1},
      {"IGS BOTH", raw(regs::CAPABILITIES::IGS::Value::BOTH), 2},
      // 6.3: version 1.0 reads 0x10
      {"version 1.0", raw(regs::CAPABILITIES::VERSION::Value::V1_0), 0x10},
      // 6.5: iommu_mode 0 Off, 1 Bare, 2 1LVL, 3 2LVL, 4 3LVL
      {"iommu_mode Off", raw(regs::DDTP::IOMMU_MODE::Value::OFF), 0},
      {"iommu_mode Bare", raw(regs::DDTP::IOMMU_MODE::Value::BARE), 1},
      {"iommu_mode 1LVL", raw(regs::DDTP::IOMMU_MODE::Value::LVL1), 2},
      {"iommu_mode 3LVL", raw(regs::DDTP::IOMMU_MODE::Value::LVL3), 4},
      // 6.23 standard events list: 4 TLB miss, 8 second-stage page table walks
      {"eventID TLB miss", raw(regs::IOHPMEVT::EVENTID::Value::TLB_MISS), 4},
      {"eventID second-stage walks", raw(regs::IOHPMEVT::EVENTID::Value::SECOND_STAGE_PT_WALKS), 8},
      // 6.2: ipsr resets to 0
      {"ipsr has a reset value", regs::IPSR::has_reset, 1},
      {"ipsr reset", regs::IPSR::reset, 0},
  });
}

// In-memory structures, commands and records have the manual's sizes.
TEST(RiscvIommuSpec, StructureSizes) {
  check({
      // 3.1: a non-leaf DDT entry is 8 bytes
      {"non-leaf DDT entry", structs::DDT_NONLEAF::size_bytes, 8},
      // 3.1.2: base-format DC is 32 bytes, extended-format 64
      {"base DC", structs::DC_BASE::size_bytes, 32},
      {"extended DC", structs::DC_EXT::size_bytes, 64},
      // 3.2.1 / 3.2.2: non-leaf PDT entry 8 bytes, process context 16 bytes
      {"non-leaf PDT entry", structs::PDT_NONLEAF::size_bytes, 8},
      {"process context", structs::PC::size_bytes, 16},
      // 4.1: each command is 16 bytes
      {"IOTINVAL.VMA", structs::IOTINVAL_VMA::size_bytes, 16},
      {"IOFENCE.C", structs::IOFENCE_C::size_bytes, 16},
      {"IODIR.INVAL_DDT", structs::IODIR_INVAL_DDT::size_bytes, 16},
      {"ATS.PRGR", structs::ATS_PRGR::size_bytes, 16},
      // 4.2: each fault record is 32 bytes
      {"fault record", structs::FQ_RECORD::size_bytes, 32},
      // 4.3: each page-request record is 16 bytes
      {"page-request record", structs::PQ_RECORD::size_bytes, 16},
      // PRIV 12.4: Sv39 PTEs are eight bytes
      {"PTE", structs::PTE::size_bytes, 8},
  });
}

// Structure fields sit where the manual's figures put them, counted across
// the structure (doubleword n starts at bit 64 n).
TEST(RiscvIommuSpec, StructureFieldBits) {
  check({
      // 3.1.1 Figure 12: non-leaf DDT entry V 0, PPN 53:10
      {"DDTE.V", structs::DDT_NONLEAF::V::lo, 0},
      {"DDTE.PPN hi", structs::DDT_NONLEAF::PPN::hi, 53},
      // 3.1.3.1 Figure 15: tc V 0, EN_ATS 1, PDTV 5, GADE 7, SADE 8, SBE 10, SXL 11
      {"DC.tc.V", structs::DC_BASE::TC_V::lo, 0},
      {"DC.tc.EN_ATS", structs::DC_BASE::TC_EN_ATS::lo, 1},
      {"DC.tc.PDTV", structs::DC_BASE::TC_PDTV::lo, 5},
      {"DC.tc.GADE", structs::DC_BASE::TC_GADE::lo, 7},
      {"DC.tc.SADE", structs::DC_BASE::TC_SADE::lo, 8},
      {"DC.tc.SXL", structs::DC_EXT::TC_SXL::lo, 11},
      // 3.1.3.2 Figure 16: iohgatp (doubleword 1) PPN 43:0, GSCID 59:44, MODE 63:60
      {"DC.iohgatp.PPN lo", structs::DC_BASE::IOHGATP_PPN::lo, 64 + 0},
      {"DC.iohgatp.PPN hi", structs::DC_BASE::IOHGATP_PPN::hi, 64 + 43},
      {"DC.iohgatp.GSCID lo", structs::DC_BASE::IOHGATP_GSCID::lo, 64 + 44},
      {"DC.iohgatp.MODE lo", structs::DC_BASE::IOHGATP_MODE::lo, 64 + 60},
      // 3.1.3.3 Figure 17: ta (doubleword 2) PSCID 31:12
      {"DC.ta.PSCID lo", structs::DC_BASE::TA_PSCID::lo, 128 + 12},
      {"DC.ta.PSCID hi", structs::DC_BASE::TA_PSCID::hi, 128 + 31},
      // 3.1.3.4 Figure 18: fsc (doubleword 3) PPN 43:0, MODE 63:60
      {"DC.fsc.PPN lo", structs::DC_BASE::FSC_PPN::lo, 192},
      {"DC.fsc.MODE hi", structs::DC_BASE::FSC_MODE::hi, 192 + 63},
      // 3.1.3.5 Figure 20: msiptp (doubleword 4) MODE 63:60
      {"DC.msiptp.MODE lo", structs::DC_EXT::MSIPTP_MODE::lo, 256 + 60},
      // 3.1.3.6 Figures 21-22: msi_addr_mask 51:0 (doubleword 5), pattern (doubleword 6)
      {"DC.msi_addr_mask hi", structs::DC_EXT::MSI_ADDR_MASK::hi, 320 + 51},
      {"DC.msi_addr_pattern lo", structs::DC_EXT::MSI_ADDR_PATTERN::lo, 384},
      // 3.2.3.1: PC.ta V 0, ENS 1, SUM 2, PSCID 31:12
      {"PC.ta.ENS", structs::PC::TA_ENS::lo, 1},
      {"PC.ta.SUM", structs::PC::TA_SUM::lo, 2},
      {"PC.ta.PSCID lo", structs::PC::TA_PSCID::lo, 12},
      // 3.2.3.2: PC.fsc (doubleword 1) MODE 63:60
      {"PC.fsc.MODE lo", structs::PC::FSC_MODE::lo, 64 + 60},
      // 4.1 Figure 29: opcode 6:0, func3 9:7
      {"command opcode hi", structs::IOTINVAL_VMA::OPCODE::hi, 6},
      {"command func3 lo", structs::IOTINVAL_VMA::FUNC3::lo, 7},
      // 4.1.1: IOTINVAL AV 10, PSCID 31:12, PSCV 32, GV 33, GSCID 59:44, ADDR[63:12] at doubleword 1 bits 61:10
      {"IOTINVAL.AV", structs::IOTINVAL_VMA::AV::lo, 10},
      {"IOTINVAL.PSCV", structs::IOTINVAL_VMA::PSCV::lo, 32},
      {"IOTINVAL.GV", structs::IOTINVAL_GVMA::GV::lo, 33},
      {"IOTINVAL.GSCID hi", structs::IOTINVAL_GVMA::GSCID::hi, 59},
      {"IOTINVAL.ADDR lo", structs::IOTINVAL_VMA::ADDR::lo, 64 + 10},
      {"IOTINVAL.ADDR hi", structs::IOTINVAL_VMA::ADDR::hi, 64 + 61},
      // 9.2 / 9.3: NL at bit 34, S at bit 73
      {"IOTINVAL.NL", structs::IOTINVAL_VMA::NL::lo, 34},
      {"IOTINVAL.S", structs::IOTINVAL_VMA::S::lo, 73},
      // 4.1.2: IOFENCE.C AV 10, WSI 11, PR 12, PW 13, DATA 63:32, ADDR[63:2] at doubleword 1 bits 61:0
      {"IOFENCE.WSI", structs::IOFENCE_C::WSI::lo, 11},
      {"IOFENCE.PW", structs::IOFENCE_C::PW::lo, 13},
      {"IOFENCE.DATA lo", structs::IOFENCE_C::DATA::lo, 32},
      {"IOFENCE.ADDR hi", structs::IOFENCE_C::ADDR::hi, 64 + 61},
      // 4.1.3: IODIR PID 31:12, DV 33, DID 63:40
      {"IODIR.DV", structs::IODIR_INVAL_PDT::DV::lo, 33},
      {"IODIR.DID lo", structs::IODIR_INVAL_DDT::DID::lo, 40},
      // 4.1.4: ATS PV 32, DSV 33, RID 55:40, DSEG 63:56
      {"ATS.RID hi", structs::ATS_INVAL::RID::hi, 55},
      {"ATS.DSEG lo", structs::ATS_PRGR::DSEG::lo, 56},
      // 4.1.4 Figure 30: ATS.INVAL payload G 0, S 11, address 63:12
      {"ATS.INVAL G", structs::ATS_INVAL::G::lo, 64},
      {"ATS.INVAL S", structs::ATS_INVAL::S::lo, 64 + 11},
      // 4.1.4 Figure 31: ATS.PRGR payload PRG index 40:32, response code 47:44
      {"ATS.PRGR PRGI lo", structs::ATS_PRGR::PRGI::lo, 64 + 32},
      {"ATS.PRGR response code hi", structs::ATS_PRGR::RESPONSE_CODE::hi, 64 + 47},
      // 4.2 Figure 32: CAUSE 11:0, PID 31:12, PV 32, PRIV 33, TTYP 39:34, DID 63:40, iotval dw2, iotval2 dw3
      {"FQ.CAUSE hi", structs::FQ_RECORD::CAUSE::hi, 11},
      {"FQ.PRIV", structs::FQ_RECORD::PRIV::lo, 33},
      {"FQ.TTYP lo", structs::FQ_RECORD::TTYP::lo, 34},
      {"FQ.DID lo", structs::FQ_RECORD::DID::lo, 40},
      {"FQ.iotval lo", structs::FQ_RECORD::IOTVAL::lo, 128},
      {"FQ.iotval2 lo", structs::FQ_RECORD::IOTVAL2::lo, 192},
      // 4.3 Figures 33-34: PQ EXEC 34, DID 63:40, payload R 0, W 1, L 2, PRG index 11:3, page address 63:12
      {"PQ.EXEC", structs::PQ_RECORD::EXEC::lo, 34},
      {"PQ.L", structs::PQ_RECORD::L::lo, 64 + 2},
      {"PQ.PRGI lo", structs::PQ_RECORD::PRGI::lo, 64 + 3},
      {"PQ.page address lo", structs::PQ_RECORD::PAGE_ADDR::lo, 64 + 12},
  });
}

// Structure field encodings: fault causes, transaction types and mode fields.
TEST(RiscvIommuSpec, StructureEncodings) {
  check({
      // 4.2 Table 13: causes
      {"cause read page fault", raw(structs::FQ_RECORD::CAUSE::Value::READ_PAGE_FAULT), 13},
      {"cause write guest-page fault", raw(structs::FQ_RECORD::CAUSE::Value::WRITE_GUEST_PAGE_FAULT), 23},
      {"cause all inbound disallowed", raw(structs::FQ_RECORD::CAUSE::Value::ALL_INBOUND_DISALLOWED), 256},
      {"cause DDT entry misconfigured", raw(structs::FQ_RECORD::CAUSE::Value::DDT_MISCONFIGURED), 259},
      {"cause PDT entry not valid", raw(structs::FQ_RECORD::CAUSE::Value::PDT_INVALID), 266},
      {"cause MSI write access fault", raw(structs::FQ_RECORD::CAUSE::Value::MSI_WRITE_ACCESS_FAULT), 273},
      {"cause PT data corruption", raw(structs::FQ_RECORD::CAUSE::Value::PT_DATA_CORRUPTION), 274},
      // 4.2 Table 14: TTYP 3 untranslated write, 8 ATS translation request
      {"TTYP untranslated write", raw(structs::FQ_RECORD::TTYP::Value::UNTRANSLATED_WRITE), 3},
      {"TTYP ATS translation request", raw(structs::FQ_RECORD::TTYP::Value::ATS_TRANSLATION_REQUEST), 8},
      // 3.1.3.2 Table 2: iohgatp.MODE Sv39x4 8, Sv48x4 9, Sv57x4 10
      {"iohgatp Sv39x4", raw(structs::DC_BASE::IOHGATP_MODE::Value::SV39X4), 8},
      {"iohgatp Sv57x4", raw(structs::DC_BASE::IOHGATP_MODE::Value::SV57X4), 10},
      // 3.1.3.4 Tables 4 and 6: iosatp Sv48 9, pdtp PD17 2
      {"iosatp Sv48", raw(structs::DC_BASE::FSC_MODE::Value::SV48), 9},
      {"pdtp PD17", raw(structs::DC_BASE::FSC_MODE::Value::PD17), 2},
      // 3.1.3.5 Table 7: msiptp.MODE Flat 1
      {"msiptp Flat", raw(structs::DC_EXT::MSIPTP_MODE::Value::FLAT), 1},
  });
}

// Encoding a command with every operand 0 leaves only its opcode and func3
// (4.1 Table 10: IOTINVAL 1, IOFENCE 2, IODIR 3, ATS 4; func3 per 4.1.1-4.1.4).
TEST(RiscvIommuSpec, CommandOpcodes) {
  check({
      // 4.1.1: IOTINVAL.VMA func3 0, IOTINVAL.GVMA func3 1
      {"IOTINVAL.VMA", low_word<structs::IOTINVAL_VMA>(), 1 | (0u << 7)},
      {"IOTINVAL.GVMA", low_word<structs::IOTINVAL_GVMA>(), 1 | (1u << 7)},
      // 4.1.2: IOFENCE.C func3 0
      {"IOFENCE.C", low_word<structs::IOFENCE_C>(), 2 | (0u << 7)},
      // 4.1.3: IODIR.INVAL_DDT func3 0, IODIR.INVAL_PDT func3 1
      {"IODIR.INVAL_DDT", low_word<structs::IODIR_INVAL_DDT>(), 3 | (0u << 7)},
      {"IODIR.INVAL_PDT", low_word<structs::IODIR_INVAL_PDT>(), 3 | (1u << 7)},
      // 4.1.4: ATS.INVAL func3 0, ATS.PRGR func3 1
      {"ATS.INVAL", low_word<structs::ATS_INVAL>(), 4 | (0u << 7)},
      {"ATS.PRGR", low_word<structs::ATS_PRGR>(), 4 | (1u << 7)},
  });
}

// The PTE and the Sv39/Sv48 (and x4) walks match the privileged manual.
TEST(RiscvIommuSpec, PageTables) {
  check({
      // PRIV 12.3.1: V 0, R 1, W 2, X 3, U 4, G 5, A 6, D 7, RSW 9:8
      {"PTE.V", structs::PTE::V::lo, 0},
      {"PTE.R", structs::PTE::R::lo, 1},
      {"PTE.W", structs::PTE::W::lo, 2},
      {"PTE.X", structs::PTE::X::lo, 3},
      {"PTE.U", structs::PTE::U::lo, 4},
      {"PTE.G", structs::PTE::G::lo, 5},
      {"PTE.A", structs::PTE::A::lo, 6},
      {"PTE.D", structs::PTE::D::lo, 7},
      {"PTE.RSW lo", structs::PTE::RSW::lo, 8},
      // PRIV 12.4.1: PPN 53:10 (44 bits), PBMT 62:61, N 63
      {"PTE.PPN lo", structs::PTE::PPN::lo, 10},
      {"PTE.PPN hi", structs::PTE::PPN::hi, 53},
      {"PTE.PBMT lo", structs::PTE::PBMT::lo, 61},
      {"PTE.N", structs::PTE::N::lo, 63},
      // PRIV 14: PBMT 1 NC, 2 IO
      {"PBMT NC", raw(structs::PTE::PBMT::Value::NC), 1},
      {"PBMT IO", raw(structs::PTE::PBMT::Value::IO), 2},
      // PRIV 12.4.1: Sv39 has 4 KiB pages, 8-byte PTEs, 39-bit VA, three levels
      {"sv39 granule", page_tables::sv39.granule_lg2, 12},
      {"sv39 entry bytes", page_tables::sv39.entry_bytes, 8},
      {"sv39 input bits", page_tables::sv39.input_bits_max, 39},
      {"sv39 levels", page_tables::sv39.level_count, 3},
      // PRIV 12.4.1: VPN[2] = VA 38:30, VPN[0] = VA 20:12
      {"sv39 root index hi", page_tables::sv39.levels[0].index_hi, 38},
      {"sv39 root index lo", page_tables::sv39.levels[0].index_lo, 30},
      {"sv39 last index lo", page_tables::sv39.levels[2].index_lo, 12},
      // PRIV 12.4.1: any level may be a leaf (1 GiB, 2 MiB, 4 KiB)
      {"sv39 root leaf", page_tables::sv39.levels[0].leaf, 1},
      {"sv39 middle leaf", page_tables::sv39.levels[1].leaf, 1},
      // PRIV 12.5.1: Sv48, 48-bit VA, four levels, VPN[3] = VA 47:39, terapage leaves
      {"sv48 input bits", page_tables::sv48.input_bits_max, 48},
      {"sv48 levels", page_tables::sv48.level_count, 4},
      {"sv48 root index hi", page_tables::sv48.levels[0].index_hi, 47},
      {"sv48 root index lo", page_tables::sv48.levels[0].index_lo, 39},
      {"sv48 root leaf", page_tables::sv48.levels[0].leaf, 1},
      // PRIV 22.5.1: Sv39x4 root decodes GPA 40:30 (two extra bits, 16 KiB root table)
      {"sv39x4 input bits", page_tables::sv39x4.input_bits_max, 41},
      {"sv39x4 root index hi", page_tables::sv39x4.levels[0].index_hi, 40},
      // PRIV 22.5.1: Sv48x4 root decodes GPA 49:39
      {"sv48x4 root index hi", page_tables::sv48x4.levels[0].index_hi, 49},
      // PRIV 12.4.1: physical address = PPN x 4096; the PPN field is PTE 53:10
      {"sv39 output field lo", page_tables::sv39.output_address.lo, 10},
      {"sv39 output shift", page_tables::sv39.output_address.value, 12},
      // PRIV 12.3.1: V (bit 0) = 1 marks a valid PTE
      {"sv39 valid bit", page_tables::sv39.valid.fields[0].lo, 0},
      {"sv39 valid value", page_tables::sv39.valid.value, 1},
      // PRIV 12.3.1: R 1, W 2, X 3 grant read, write, execute
      {"sv39 read bit", page_tables::sv39.read.lo, 1},
      {"sv39 write bit", page_tables::sv39.write.lo, 2},
      {"sv39 exec bit", page_tables::sv39.exec.lo, 3},
  });
}

}  // namespace
