// Entry of a bare-metal image QEMU loads as an ELF on -M virt: the CPU starts
// at _start in EL1 (no EL2/EL3 on a plain virt machine), MMU and caches off,
// SP undefined. Sets the stack and the vector table, enables FP/SIMD
// (CPACR_EL1.FPEN = 0b11, DDI0487 D19.2.30) so compiler-generated copies
// cannot trap, clears .bss and calls harness_main, whose value is the exit
// status.
    .section .text.boot, "ax"
    .global _start
_start:
    ldr     x0, =__stack_top
    mov     sp, x0
    adr     x0, exception_vectors
    msr     vbar_el1, x0
    mov     x0, #(3 << 20)
    msr     cpacr_el1, x0
    isb
    ldr     x0, =__bss_start
    ldr     x1, =__bss_end
1:  cmp     x0, x1
    b.hs    2f
    str     xzr, [x0], #8
    b       1b
2:  bl      harness_start
3:  b       3b

// Every exception is a harness failure: report which vector (DDI0487 D1.10.2:
// sixteen 128-byte entries) and stop the machine.
    .macro vector index
    .balign 0x80
    mov     x0, #\index
    b       on_exception
    .endm

    .balign 0x800
exception_vectors:
    vector 0
    vector 1
    vector 2
    vector 3
    vector 4
    vector 5
    vector 6
    vector 7
    vector 8
    vector 9
    vector 10
    vector 11
    vector 12
    vector 13
    vector 14
    vector 15
