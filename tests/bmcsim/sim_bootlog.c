/* sim_bootlog.c — the boot log every simulated host replays: firmware POST and setup screen, GRUB, Linux, a login prompt. */
#include "sim_bootlog.h"

/*
 * Shared, read-only text: each host holds only a cursor into it.  A
 * segment is followed by a pause (POST memory test, GRUB's countdown,
 * the kernel waiting for devices), so a console that attaches mid-boot
 * sees the log scroll the way a real serial console does.  The escape
 * sequences are the ones firmware setup screens send over a VT100
 * serial redirection: clear, cursor addressing, colours, reverse video.
 */
#define SEG(text, pause) { text, sizeof(text) - 1, pause }

#define ESC "\x1b"
#define OK_ "[" ESC "[0;32m  OK  " ESC "[0m] "

const struct sim_seg sim_bootlog[] = {
SEG(ESC "[0m" ESC "[2J" ESC "[H" ESC "[1;37;44m"
    "                                                                                \r\n"
    "      BMCSIM UEFI Firmware   Version 2.22.1287   (C) 2026 ipmux project        \r\n"
    "                                                                                \r\n"
    ESC "[0;37;40m"
    ESC "[5;1HProcessor   : Intel(R) Xeon(R) Silver 4314 CPU @ 2.40GHz x 2"
    ESC "[6;1HMicrocode   : 0x0d0003a5"
    ESC "[7;1HBMC IP      : 127.0.0.1   (IPMI 2.0, SOL on ttyS0 115200 8N1)"
    ESC "[9;1HMemory Test : ", 200),
SEG(ESC "[9;15H  4096 MB", 150),
SEG(ESC "[9;15H 16384 MB", 150),
SEG(ESC "[9;15H 65536 MB", 150),
SEG(ESC "[9;15H131072 MB OK" ESC "[K"
    ESC "[11;1HUSB Devices : 2 Keyboards, 1 Mouse, 1 Hub"
    ESC "[12;1HSATA Port 0 : SAMSUNG MZ7L3480HCHQ-00A07  480GB"
    ESC "[13;1HNVMe 0      : INTEL SSDPE2KX040T8  4.0TB"
    ESC "[14;1HNIC         : Intel(R) Ethernet Controller X710 PXE Boot Agent v2.4"
    ESC "[22;1H" ESC "[1;33m"
    "Press <DEL> or <F2> to enter Setup, <F11> for Boot Menu, <F12> for PXE boot"
    ESC "[0m" ESC "[23;1H" ESC "[7m Entering setup summary ... " ESC "[0m", 600),
SEG(ESC "[2J" ESC "[H" ESC "[0;30;47m"
    " Main  Advanced  Chipset  Server Mgmt  Security  Boot  Save & Exit              "
    ESC "[0;37;44m"
    ESC "[3;2HBIOS Information" ESC "[3;50H" ESC "[1;37mHelp" ESC "[0;37;44m"
    ESC "[4;2HBIOS Vendor             BMCSIM"
    ESC "[5;2HCore Version            5.22"
    ESC "[6;2HBuild Date and Time     11/25/2026 09:30:00"
    ESC "[8;2HSystem Date             " ESC "[1;33m[Wed 11/25/2026]" ESC "[0;37;44m"
    ESC "[9;2HSystem Time             " ESC "[1;33m[16:00:00]" ESC "[0;37;44m"
    ESC "[11;2HConsole Redirection     [Enabled]  COM1 115200 8N1 VT100+"
    ESC "[20;50H" ESC "[1;37m><: Select Screen" ESC "[21;50H^v: Select Item"
    ESC "[22;50HF10: Save & Exit  ESC: Exit" ESC "[0m", 700),
SEG(ESC "[0m" ESC "[2J" ESC "[H"
    "                             GNU GRUB  version 2.06-13+deb12u1\r\n\r\n"
    " +----------------------------------------------------------------------------+\r\n"
    " |" ESC "[7m*Debian GNU/Linux                                                           " ESC "[0m|\r\n"
    " | Advanced options for Debian GNU/Linux                                      |\r\n"
    " | Memory test (memtest86+x64.efi)                                            |\r\n"
    " | UEFI Firmware Settings                                                     |\r\n"
    " |                                                                            |\r\n"
    " +----------------------------------------------------------------------------+\r\n\r\n"
    "      Use the ^ and v keys to select which entry is highlighted.\r\n"
    "      Press enter to boot the selected OS, `e' to edit the commands\r\n"
    "      before booting or `c' for a command-line.\r\n"
    "   The highlighted entry will be executed automatically in 3s. ", 300),
SEG(ESC "[15;61H2s. ", 300),
SEG(ESC "[15;61H1s. ", 300),
SEG(ESC "[0m" ESC "[2J" ESC "[H"
    "  Booting `Debian GNU/Linux'\r\n\r\n"
    "Loading Linux 6.1.0-13-amd64 ...\r\n"
    "Loading initial ramdisk ...\r\n", 400),
SEG("[    0.000000] Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org) (gcc-12 (Debian 12.2.0-14) 12.2.0, GNU ld (GNU Binutils for Debian) 2.40) #1 SMP PREEMPT_DYNAMIC Debian 6.1.55-1 (2023-09-29)\r\n"
    "[    0.000000] Command line: BOOT_IMAGE=/boot/vmlinuz-6.1.0-13-amd64 root=UUID=5b1f3c2e-8d4a-4f1e-9c57-0e2a6d9b7f31 ro console=tty0 console=ttyS0,115200n8\r\n"
    "[    0.000000] BIOS-provided physical RAM map:\r\n"
    "[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009ffff] usable\r\n"
    "[    0.000000] BIOS-e820: [mem 0x0000000000100000-0x000000006c3fefff] usable\r\n"
    "[    0.000000] BIOS-e820: [mem 0x0000000100000000-0x000000207fffffff] usable\r\n"
    "[    0.000000] NX (Execute Disable) protection: active\r\n"
    "[    0.000000] SMBIOS 3.3.0 present.\r\n"
    "[    0.000000] DMI: BMCSIM Server R2/X12DPi, BIOS 2.22.1287 11/25/2026\r\n"
    "[    0.000000] tsc: Detected 2400.000 MHz processor\r\n"
    "[    0.004120] ACPI: Early table checksum verification disabled\r\n"
    "[    0.012873] ACPI: SPCR 0x000000006A7E1000 000050 (v02 BMCSIM)\r\n"
    "[    0.012890] ACPI: SPCR: console: uart,io,0x3f8,115200\r\n"
    "[    0.101366] Memory: 131449348K/134144460K available (14336K kernel code)\r\n"
    "[    0.148502] smpboot: Allowing 32 CPUs, 0 hotplug CPUs\r\n"
    "[    0.151917] printk: console [ttyS0] enabled\r\n", 200),
SEG("[    0.402786] smp: Brought up 2 nodes, 32 CPUs\r\n"
    "[    0.612440] PCI: Using configuration type 1 for base access\r\n"
    "[    1.003542] Serial: 8250/16550 driver, 4 ports, IRQ sharing enabled\r\n"
    "[    1.024112] 00:03: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A\r\n"
    "[    1.210094] ipmi_si IPI0001:00: IPMI kcs interface initialized\r\n"
    "[    1.233571] nvme nvme0: 32/0/0 default/read/poll queues\r\n"
    "[    1.240218]  nvme0n1: p1 p2 p3\r\n"
    "[    1.318821] ata1: SATA link up 6.0 Gbps (SStatus 133 SControl 300)\r\n"
    "[    1.402355] i40e 0000:3d:00.0: fw 8.5.67516 api 1.15 nvm 8.50 0x8000b6f9\r\n"
    "[    1.917006] EXT4-fs (nvme0n1p2): mounted filesystem with ordered data mode.\r\n"
    "[    2.104419] systemd[1]: systemd 252.17-1~deb12u1 running in system mode\r\n"
    "[    2.121730] systemd[1]: Hostname set to <bmcsim>.\r\n", 300),
SEG(OK_ "Created slice " ESC "[0;1;39msystem-getty.slice" ESC "[0m.\r\n"
    OK_ "Reached target " ESC "[0;1;39mlocal-fs.target" ESC "[0m - Local File Systems.\r\n"
    "         Starting " ESC "[0;1;39msystemd-journald.service" ESC "[0m - Journal Service...\r\n"
    OK_ "Started " ESC "[0;1;39msystemd-journald.service" ESC "[0m - Journal Service.\r\n"
    OK_ "Reached target " ESC "[0;1;39mnetwork.target" ESC "[0m - Network.\r\n"
    "         Starting " ESC "[0;1;39mssh.service" ESC "[0m - OpenBSD Secure Shell server...\r\n"
    OK_ "Started " ESC "[0;1;39mssh.service" ESC "[0m - OpenBSD Secure Shell server.\r\n"
    OK_ "Started " ESC "[0;1;39mserial-getty@ttyS0.service" ESC "[0m - Serial Getty on ttyS0.\r\n"
    OK_ "Reached target " ESC "[0;1;39mmulti-user.target" ESC "[0m - Multi-User System.\r\n", 200),
SEG("\r\nDebian GNU/Linux 12 bmcsim ttyS0\r\n\r\nbmcsim login: ", 0),
};

const unsigned sim_bootlog_nseg = sizeof(sim_bootlog) / sizeof(sim_bootlog[0]);
