// Spec cross-check for AMD-Vi: facts typed by hand from AMD publication #48882 (AMD I/O
// Virtualization Technology (IOMMU) Specification, revision 3.08), compared with the constants
// smmu-gen generates from spec/hw/amd-vi.yaml. The expected values below were written from the
// specification, not copied from the description, so a slip in either shows up as a named row.
#include <gtest/gtest.h>

#include <cstdint>

#include "smmuman/hw/amd_vi.hpp"

#include "backends/common/fact_table.hpp"

namespace {

using smmuman::test::Fact;
template <class Facts>
void expect_all(const Facts& facts) { smmuman::test::check_facts(facts); }

using namespace smmuman::hw::amd_vi;


TEST(AmdViSpecCrosscheck, MmioRegisterOffsets) {
  // Each register sits at the MMIO offset the specification gives it.
  const Fact facts[] = {
      {"Device Table Base Address", regs::DEVICE_TABLE_BASE_ADDR::offset, 0x0000},  // 48882 ch. 3, MMIO Offset 0000h
      {"Command Buffer Base Address", regs::COMMAND_BUFFER_BASE_ADDR::offset, 0x0008},  // MMIO Offset 0008h
      {"Event Log Base Address", regs::EVENT_LOG_BASE_ADDR::offset, 0x0010},  // MMIO Offset 0010h
      {"IOMMU Control", regs::IOMMU_CONTROL::offset, 0x0018},  // MMIO Offset 0018h
      {"Exclusion Base", regs::EXCLUSION_BASE::offset, 0x0020},  // MMIO Offset 0020h
      {"Exclusion Range Limit", regs::EXCLUSION_LIMIT::offset, 0x0028},  // MMIO Offset 0028h
      {"Extended Feature", regs::EXTENDED_FEATURE::offset, 0x0030},  // MMIO Offset 0030h
      {"PPR Log Base Address", regs::PPR_LOG_BASE_ADDR::offset, 0x0038},  // MMIO Offset 0038h
      {"GA Log Base Address", regs::GA_LOG_BASE_ADDR::offset, 0x00E0},  // MMIO Offset 00E0h
      {"Device Table Segment 1 Base", regs::DEVICE_TABLE_SEG_BASE_ADDR::offset_of(0), 0x0100},  // MMIO Offset 0100h
      {"Device Table Segment 7 Base", regs::DEVICE_TABLE_SEG_BASE_ADDR::offset_of(6), 0x0130},  // MMIO Offset 0130h
      {"x2APIC General Interrupt Control", regs::XT_GEN_INT_CONTROL::offset, 0x0170},  // MMIO Offset 0170h
      {"Command Buffer Head Pointer", regs::CMD_BUF_HEAD::offset, 0x2000},  // MMIO Offset 2000h
      {"Command Buffer Tail Pointer", regs::CMD_BUF_TAIL::offset, 0x2008},  // MMIO Offset 2008h
      {"Event Log Head Pointer", regs::EVENT_LOG_HEAD::offset, 0x2010},  // MMIO Offset 2010h
      {"Event Log Tail Pointer", regs::EVENT_LOG_TAIL::offset, 0x2018},  // MMIO Offset 2018h
      {"IOMMU Status", regs::IOMMU_STATUS::offset, 0x2020},  // MMIO Offset 2020h
      {"PPR Log Head Pointer", regs::PPR_LOG_HEAD::offset, 0x2030},  // MMIO Offset 2030h
      {"PPR Log Tail Pointer", regs::PPR_LOG_TAIL::offset, 0x2038},  // MMIO Offset 2038h
      {"GA Log Head Pointer", regs::GA_LOG_HEAD::offset, 0x2040},  // MMIO Offset 2040h
      {"Control register width", regs::IOMMU_CONTROL::width, 64},  // MMIO Offset 0018h is a 64-bit register
      {"Capability header offset", regs::CAP_HEADER::offset, 0x00},  // ch. 3, Capability Offset 00h
      {"Capability base address low", regs::CAP_BASE_ADDR_LO::offset, 0x04},  // Capability Offset 04h
  };
  expect_all(facts);
}

TEST(AmdViSpecCrosscheck, BaseAndPointerRegisterFields) {
  // Base-address, length and pointer fields sit at the bits the register descriptions give.
  const Fact facts[] = {
      {"DevTabBase hi", regs::DEVICE_TABLE_BASE_ADDR::DEV_TAB_BASE::hi, 51},  // MMIO 0000h: DevTabBase[51:12]
      {"DevTabBase lo", regs::DEVICE_TABLE_BASE_ADDR::DEV_TAB_BASE::lo, 12},  // MMIO 0000h
      {"Size hi", regs::DEVICE_TABLE_BASE_ADDR::SIZE::hi, 8},  // MMIO 0000h: Size[8:0]
      {"Size lo", regs::DEVICE_TABLE_BASE_ADDR::SIZE::lo, 0},  // MMIO 0000h
      {"ComLen hi", regs::COMMAND_BUFFER_BASE_ADDR::COM_LEN::hi, 59},  // MMIO 0008h: ComLen[59:56]
      {"ComLen lo", regs::COMMAND_BUFFER_BASE_ADDR::COM_LEN::lo, 56},  // MMIO 0008h
      {"ComBase lo", regs::COMMAND_BUFFER_BASE_ADDR::COM_BASE::lo, 12},  // MMIO 0008h: ComBase[51:12]
      {"EventLen lo", regs::EVENT_LOG_BASE_ADDR::EVENT_LEN::lo, 56},  // MMIO 0010h: EventLen[59:56]
      {"EventBase hi", regs::EVENT_LOG_BASE_ADDR::EVENT_BASE::hi, 51},  // MMIO 0010h: EventBase[51:12]
      {"CmdHdPtr hi", regs::CMD_BUF_HEAD::CMD_HEAD_PTR::hi, 18},  // MMIO 2000h: CmdHdPtr[18:4]
      {"CmdHdPtr lo", regs::CMD_BUF_HEAD::CMD_HEAD_PTR::lo, 4},  // MMIO 2000h
      {"CmdTailPtr lo", regs::CMD_BUF_TAIL::CMD_TAIL_PTR::lo, 4},  // MMIO 2008h: CmdTailPtr[18:4]
      {"EventTailPtr hi", regs::EVENT_LOG_TAIL::EVENT_TAIL_PTR::hi, 18},  // MMIO 2018h: EventTailPtr[18:4]
      {"ExEn", regs::EXCLUSION_BASE::EX_EN::lo, 0},  // MMIO 0020h: ExEn, bit 0
      {"Allow", regs::EXCLUSION_BASE::ALLOW::lo, 1},  // MMIO 0020h: Allow, bit 1
  };
  expect_all(facts);
}

TEST(AmdViSpecCrosscheck, ControlRegisterFields) {
  // The IOMMU Control Register's enables sit at the bits the specification gives.
  const Fact facts[] = {
      {"IommuEn", regs::IOMMU_CONTROL::IOMMU_EN::lo, 0},  // MMIO 0018h bit 0
      {"HtTunEn", regs::IOMMU_CONTROL::HT_TUN_EN::lo, 1},  // MMIO 0018h bit 1
      {"EventLogEn", regs::IOMMU_CONTROL::EVENT_LOG_EN::lo, 2},  // MMIO 0018h bit 2
      {"EventIntEn", regs::IOMMU_CONTROL::EVENT_INT_EN::lo, 3},  // MMIO 0018h bit 3
      {"ComWaitIntEn", regs::IOMMU_CONTROL::COM_WAIT_INT_EN::lo, 4},  // MMIO 0018h bit 4
      {"InvTimeOut hi", regs::IOMMU_CONTROL::INV_TIME_OUT::hi, 7},  // MMIO 0018h bits 7:5
      {"InvTimeOut lo", regs::IOMMU_CONTROL::INV_TIME_OUT::lo, 5},  // MMIO 0018h bits 7:5
      {"InvTimeOut 1 ms", static_cast<uint64_t>(regs::IOMMU_CONTROL::INV_TIME_OUT::Value::MS_1), 1},  // 001b = 1 ms
      {"InvTimeOut 100 s", static_cast<uint64_t>(regs::IOMMU_CONTROL::INV_TIME_OUT::Value::S_100), 6},  // 110b = 100 s
      {"Coherent", regs::IOMMU_CONTROL::COHERENT::lo, 10},  // MMIO 0018h bit 10
      {"CmdBufEn", regs::IOMMU_CONTROL::CMD_BUF_EN::lo, 12},  // MMIO 0018h bit 12
      {"PPRLogEn", regs::IOMMU_CONTROL::PPR_LOG_EN::lo, 13},  // MMIO 0018h bit 13
      {"PPREn", regs::IOMMU_CONTROL::PPR_EN::lo, 15},  // MMIO 0018h bit 15
      {"GTEn", regs::IOMMU_CONTROL::GT_EN::lo, 16},  // MMIO 0018h bit 16
      {"GAEn", regs::IOMMU_CONTROL::GA_EN::lo, 17},  // MMIO 0018h bit 17
      {"CRW hi", regs::IOMMU_CONTROL::CRW::hi, 21},  // MMIO 0018h bits 21:18
      {"GAMEn lo", regs::IOMMU_CONTROL::GAM_EN::lo, 25},  // MMIO 0018h bits 27:25
      {"GALogEn", regs::IOMMU_CONTROL::GA_LOG_EN::lo, 28},  // MMIO 0018h bit 28
      {"GAIntEn", regs::IOMMU_CONTROL::GA_INT_EN::lo, 29},  // MMIO 0018h bit 29
      {"DevTblSegEn lo", regs::IOMMU_CONTROL::DEV_TBL_SEG_EN::lo, 34},  // MMIO 0018h bits 36:34
      {"PprAutoRspAon", regs::IOMMU_CONTROL::PPR_AUTO_RSP_AON::lo, 42},  // MMIO 0018h bit 42
      {"XTEn", regs::IOMMU_CONTROL::XT_EN::lo, 50},  // MMIO 0018h bit 50
      {"IntCapXTEn", regs::IOMMU_CONTROL::INT_CAP_XT_EN::lo, 51},  // MMIO 0018h bit 51
  };
  expect_all(facts);
}

TEST(AmdViSpecCrosscheck, ExtendedFeatureAndStatusFields) {
  // Extended Feature and Status Register fields sit at the specified bits with the specified access.
  const Fact facts[] = {
      {"PreFSup", regs::EXTENDED_FEATURE::PREF_SUP::lo, 0},  // MMIO 0030h bit 0
      {"PPRSup", regs::EXTENDED_FEATURE::PPR_SUP::lo, 1},  // MMIO 0030h bit 1
      {"XTSup", regs::EXTENDED_FEATURE::XT_SUP::lo, 2},  // MMIO 0030h bit 2
      {"NXSup", regs::EXTENDED_FEATURE::NX_SUP::lo, 3},  // MMIO 0030h bit 3
      {"GTSup", regs::EXTENDED_FEATURE::GT_SUP::lo, 4},  // MMIO 0030h bit 4
      {"IASup", regs::EXTENDED_FEATURE::IA_SUP::lo, 6},  // MMIO 0030h bit 6
      {"HESup", regs::EXTENDED_FEATURE::HE_SUP::lo, 8},  // MMIO 0030h bit 8
      {"HATS hi", regs::EXTENDED_FEATURE::HATS::hi, 11},  // MMIO 0030h bits 11:10
      {"HATS lo", regs::EXTENDED_FEATURE::HATS::lo, 10},  // MMIO 0030h bits 11:10
      {"HATS 6 levels", static_cast<uint64_t>(regs::EXTENDED_FEATURE::HATS::Value::SIX_LEVELS), 2},  // HATS 10b
      {"GATS lo", regs::EXTENDED_FEATURE::GATS::lo, 12},  // MMIO 0030h bits 13:12
      {"GLXSup lo", regs::EXTENDED_FEATURE::GLX_SUP::lo, 14},  // MMIO 0030h bits 15:14
      {"PASmax hi", regs::EXTENDED_FEATURE::PAS_MAX::hi, 36},  // MMIO 0030h bits 36:32
      {"PASmax lo", regs::EXTENDED_FEATURE::PAS_MAX::lo, 32},  // MMIO 0030h bits 36:32
      {"UsSup", regs::EXTENDED_FEATURE::US_SUP::lo, 37},  // MMIO 0030h bit 37
      {"DevTblSegSup lo", regs::EXTENDED_FEATURE::DEV_TBL_SEG_SUP::lo, 38},  // MMIO 0030h bits 39:38
      {"EventOverflow", regs::IOMMU_STATUS::EVENT_OVERFLOW::lo, 0},  // MMIO 2020h bit 0
      {"EventLogInt", regs::IOMMU_STATUS::EVENT_LOG_INT::lo, 1},  // MMIO 2020h bit 1
      {"ComWaitInt", regs::IOMMU_STATUS::COM_WAIT_INT::lo, 2},  // MMIO 2020h bit 2
      {"EventLogRun", regs::IOMMU_STATUS::EVENT_LOG_RUN::lo, 3},  // MMIO 2020h bit 3
      {"CmdBufRun", regs::IOMMU_STATUS::CMD_BUF_RUN::lo, 4},  // MMIO 2020h bit 4
      {"PprOverflow", regs::IOMMU_STATUS::PPR_OVERFLOW::lo, 5},  // MMIO 2020h bit 5
      {"PprLogRun", regs::IOMMU_STATUS::PPR_LOG_RUN::lo, 7},  // MMIO 2020h bit 7
      {"GALogRun", regs::IOMMU_STATUS::GA_LOG_RUN::lo, 8},  // MMIO 2020h bit 8
      {"GAInt", regs::IOMMU_STATUS::GA_INT::lo, 10},  // MMIO 2020h bit 10
      {"EventOverflow is RW1C", static_cast<uint64_t>(regs::IOMMU_STATUS::EVENT_OVERFLOW::access),
       static_cast<uint64_t>(smmuman::hw::Access::w1c)},  // MMIO 2020h: EventOverflow RW1C
      {"CmdBufRun is RO", static_cast<uint64_t>(regs::IOMMU_STATUS::CMD_BUF_RUN::access),
       static_cast<uint64_t>(smmuman::hw::Access::ro)},  // MMIO 2020h: CmdBufRun RO
      {"EFR is read-only", static_cast<uint64_t>(regs::EXTENDED_FEATURE::access),
       static_cast<uint64_t>(smmuman::hw::Access::ro)},  // MMIO 0030h: RO
  };
  expect_all(facts);
}

TEST(AmdViSpecCrosscheck, DeviceTableEntry) {
  // The 256-bit device table entry has its fields at the bits of the DTE format figure.
  const Fact facts[] = {
      {"DTE size", structs::DTE::size_bytes, 32},  // 2.2.2.1: a DTE is 256 bits
      {"V", structs::DTE::V::lo, 0},  // 2.2.2.1: V bit 0
      {"TV", structs::DTE::TV::lo, 1},  // 2.2.2.1: TV bit 1
      {"HAD hi", structs::DTE::HAD::hi, 8},  // 2.2.2.1: HAD bits 8:7
      {"Mode hi", structs::DTE::MODE::hi, 11},  // 2.2.2.1: Mode bits 11:9
      {"Mode lo", structs::DTE::MODE::lo, 9},  // 2.2.2.1: Mode bits 11:9
      {"Mode 4 levels", static_cast<uint64_t>(structs::DTE::MODE::Value::FOUR_LEVELS), 4},  // Mode 100b = 4 levels
      {"Page Table Root Pointer hi", structs::DTE::PAGE_TABLE_ROOT_PTR::hi, 51},  // 2.2.2.1: bits 51:12
      {"Page Table Root Pointer lo", structs::DTE::PAGE_TABLE_ROOT_PTR::lo, 12},  // 2.2.2.1: bits 51:12
      {"PPR", structs::DTE::PPR::lo, 52},  // 2.2.2.1: PPR bit 52
      {"GV", structs::DTE::GV::lo, 55},  // 2.2.2.1: GV bit 55
      {"GLX lo", structs::DTE::GLX::lo, 56},  // 2.2.2.1: GLX bits 57:56
      {"IR", structs::DTE::IR::lo, 61},  // 2.2.2.1: IR bit 61
      {"IW", structs::DTE::IW::lo, 62},  // 2.2.2.1: IW bit 62
      {"DomainID hi", structs::DTE::DOMAIN_ID::hi, 79},  // 2.2.2.1: DomainID bits 79:64
      {"DomainID lo", structs::DTE::DOMAIN_ID::lo, 64},  // 2.2.2.1: DomainID bits 79:64
      {"I (IOTLB enable)", structs::DTE::I::lo, 96},  // 2.2.2.1: I bit 96
      {"SysMgt lo", structs::DTE::SYS_MGT::lo, 104},  // 2.2.2.1: SysMgt bits 105:104
      {"IV", structs::DTE::IV::lo, 128},  // 2.2.2.1: IV bit 128
      {"IntTabLen hi", structs::DTE::INT_TAB_LEN::hi, 132},  // 2.2.2.1: IntTabLen bits 132:129
      {"Interrupt Table Root Pointer lo", structs::DTE::INTERRUPT_TABLE_ROOT_PTR::lo, 134},  // 2.2.2.1: bits 179:134
      {"Interrupt Table Root Pointer hi", structs::DTE::INTERRUPT_TABLE_ROOT_PTR::hi, 179},  // 2.2.2.1: bits 179:134
      {"InitPass", structs::DTE::INIT_PASS::lo, 184},  // 2.2.2.1: InitPass bit 184
      {"IntCtl lo", structs::DTE::INT_CTL::lo, 188},  // 2.2.2.1: IntCtl bits 189:188
      {"IntCtl remapped", static_cast<uint64_t>(structs::DTE::INT_CTL::Value::REMAP), 2},  // IntCtl 10b = remapped
      {"Lint1Pass", structs::DTE::LINT1_PASS::lo, 191},  // 2.2.2.1: Lint1Pass bit 191
  };
  expect_all(facts);
}

TEST(AmdViSpecCrosscheck, CommandsAndEvents) {
  // Commands and event-log entries are 128 bits with the opcode or event code in bits 63:60.
  const Fact facts[] = {
      {"COMPLETION_WAIT size", structs::COMPLETION_WAIT::size_bytes, 16},  // 2.4: commands are 128 bits
      {"opcode hi", structs::COMPLETION_WAIT::OPCODE::hi, 63},  // 2.4: opcode bits 63:60
      {"opcode lo", structs::COMPLETION_WAIT::OPCODE::lo, 60},  // 2.4: opcode bits 63:60
      {"COMPLETION_WAIT s", structs::COMPLETION_WAIT::S::lo, 0},  // 2.4.1: s bit 0
      {"COMPLETION_WAIT i", structs::COMPLETION_WAIT::I::lo, 1},  // 2.4.1: i bit 1
      {"COMPLETION_WAIT f", structs::COMPLETION_WAIT::F::lo, 2},  // 2.4.1: f bit 2
      {"Store Address lo", structs::COMPLETION_WAIT::STORE_ADDRESS::lo, 3},  // 2.4.1: Store Address [51:3]
      {"Store Data lo", structs::COMPLETION_WAIT::STORE_DATA::lo, 64},  // 2.4.1: Store Data bits 127:64
      {"INVALIDATE_DEVTAB_ENTRY DeviceID hi", structs::INVALIDATE_DEVTAB_ENTRY::DEVICE_ID::hi, 15},  // 2.4.2
      {"INVALIDATE_IOMMU_PAGES DomainID lo", structs::INVALIDATE_IOMMU_PAGES::DOMAIN_ID::lo, 32},  // 2.4.3: 47:32
      {"INVALIDATE_IOMMU_PAGES S", structs::INVALIDATE_IOMMU_PAGES::S::lo, 64},  // 2.4.3: S bit 64
      {"INVALIDATE_IOMMU_PAGES PDE", structs::INVALIDATE_IOMMU_PAGES::PDE::lo, 65},  // 2.4.3: PDE bit 65
      {"INVALIDATE_IOMMU_PAGES GN", structs::INVALIDATE_IOMMU_PAGES::GN::lo, 66},  // 2.4.3: GN bit 66
      {"INVALIDATE_IOMMU_PAGES Address lo", structs::INVALIDATE_IOMMU_PAGES::ADDRESS::lo, 76},  // 2.4.3: [63:12] at 127:76
      {"INVALIDATE_IOTLB_PAGES Maxpend lo", structs::INVALIDATE_IOTLB_PAGES::MAXPEND::lo, 24},  // 2.4.4: 31:24
      {"INVALIDATE_IOMMU_ALL size", structs::INVALIDATE_IOMMU_ALL::size_bytes, 16},  // 2.4.8
      {"event size", structs::IO_PAGE_FAULT::size_bytes, 16},  // 2.5: event log entries are 128 bits
      {"EventCode lo", structs::IO_PAGE_FAULT::EVENT_CODE::lo, 60},  // 2.5: EventCode bits 63:60
      {"IO_PAGE_FAULT DeviceID hi", structs::IO_PAGE_FAULT::DEVICE_ID::hi, 15},  // 2.5.3: DeviceID 15:0
      {"IO_PAGE_FAULT DomainID lo", structs::IO_PAGE_FAULT::DOMAIN_ID::lo, 32},  // 2.5.3: 47:32
      {"IO_PAGE_FAULT GN", structs::IO_PAGE_FAULT::GN::lo, 48},  // 2.5.3: GN bit 48
      {"IO_PAGE_FAULT I", structs::IO_PAGE_FAULT::I::lo, 51},  // 2.5.3: I bit 51
      {"IO_PAGE_FAULT PR", structs::IO_PAGE_FAULT::PR::lo, 52},  // 2.5.3: PR bit 52
      {"IO_PAGE_FAULT RW", structs::IO_PAGE_FAULT::RW::lo, 53},  // 2.5.3: RW bit 53
      {"IO_PAGE_FAULT PE", structs::IO_PAGE_FAULT::PE::lo, 54},  // 2.5.3: PE bit 54
      {"IO_PAGE_FAULT TR", structs::IO_PAGE_FAULT::TR::lo, 56},  // 2.5.3: TR bit 56
      {"IO_PAGE_FAULT Address lo", structs::IO_PAGE_FAULT::ADDRESS::lo, 64},  // 2.5.3: Address bits 127:64
  };
  expect_all(facts);
}

TEST(AmdViSpecCrosscheck, HostPageTable) {
  // The host I/O page-table entry and the 4-level (Mode 100b) walk decode the specified bits.
  const Fact facts[] = {
      {"entry bytes", structs::IO_PTE::size_bytes, 8},  // 2.2.3: PDEs and PTEs are 64 bits
      {"PR", structs::IO_PTE::PR::lo, 0},  // 2.2.3: PR bit 0
      {"Next Level hi", structs::IO_PTE::NEXT_LEVEL::hi, 11},  // 2.2.3: Next Level bits 11:9
      {"Next Level lo", structs::IO_PTE::NEXT_LEVEL::lo, 9},  // 2.2.3: Next Level bits 11:9
      {"Next Level 7", static_cast<uint64_t>(structs::IO_PTE::NEXT_LEVEL::Value::PTE_LARGE), 7},  // 111b: larger page
      {"Address hi", structs::IO_PTE::ADDRESS::hi, 51},  // 2.2.3: address bits 51:12
      {"Address lo", structs::IO_PTE::ADDRESS::lo, 12},  // 2.2.3: address bits 51:12
      {"U", structs::IO_PTE::U::lo, 59},  // 2.2.3: U bit 59
      {"FC", structs::IO_PTE::FC::lo, 60},  // 2.2.3: FC bit 60
      {"IR", structs::IO_PTE::IR::lo, 61},  // 2.2.3: IR bit 61
      {"IW", structs::IO_PTE::IW::lo, 62},  // 2.2.3: IW bit 62
      {"granule", page_tables::amd_v1_4level.granule_lg2, 12},  // 2.2.3: 4 KiB tables and pages
      {"input bits", page_tables::amd_v1_4level.input_bits_max, 48},  // 2.2.3: 4 levels translate 48 bits
      {"level count", page_tables::amd_v1_4level.level_count, 4},  // DTE Mode 100b
      {"top level is AMD level 4", page_tables::amd_v1_4level.levels[0].level, 4},  // 2.2.3: level 4 table first
      {"level 4 index hi", page_tables::amd_v1_4level.levels[0].index_hi, 47},  // 2.2.3: level 4 decodes 47:39
      {"level 4 index lo", page_tables::amd_v1_4level.levels[0].index_lo, 39},  // 2.2.3
      {"level 3 index lo", page_tables::amd_v1_4level.levels[1].index_lo, 30},  // 2.2.3: level 3 decodes 38:30
      {"level 2 index lo", page_tables::amd_v1_4level.levels[2].index_lo, 21},  // 2.2.3: level 2 decodes 29:21
      {"level 1 index hi", page_tables::amd_v1_4level.levels[3].index_hi, 20},  // 2.2.3: level 1 decodes 20:12
      {"level 1 index lo", page_tables::amd_v1_4level.levels[3].index_lo, 12},  // 2.2.3
      {"level 1 maps 4 KiB pages", page_tables::amd_v1_4level.levels[3].leaf, 1},  // 2.2.3: level-1 PTEs
      {"level 2 may hold a 2 MiB PTE", page_tables::amd_v1_4level.levels[2].leaf, 1},  // 2.2.3: Next Level 0 at level 2
      {"6-level top index hi", page_tables::amd_v1_6level.levels[0].index_hi, 63},  // 2.2.3: level 6 decodes 63:57
      {"6-level top index lo", page_tables::amd_v1_6level.levels[0].index_lo, 57},  // 2.2.3
      {"read permission bit", page_tables::amd_v1_4level.read.lo, 61},  // 2.2.3: IR
      {"write permission bit", page_tables::amd_v1_4level.write.lo, 62},  // 2.2.3: IW
  };
  expect_all(facts);
}

}  // namespace
