/* mark.h - the I/O port tests/guest/mark writes request numbers to and
 * tests/guest/compare reads them from. Unclaimed on QEMU's q35 machine: not
 * an ISA device, the ICH9 LPC's ACPI/GPIO ranges (0x600-0x6ff), the PCI
 * configuration ports or the serial ports. */
#ifndef GUEST_MARK_H
#define GUEST_MARK_H
#define MARK_PORT 0x0e00u /* 4 ports, written with one outl */
#endif
