/*
 * main.c: supervisor-mode start-up. Hart 0 initialises the machine-wide
 * structures, then releases the others, which only set up their own state.
 */
#include "kernel/types.h"
#include "kernel/param.h"
#include "kernel/riscv.h"
#include "kernel/boot/boot.h"
#include "kernel/lib/kprintf.h"
#include "kernel/dev/console.h"
#include "kernel/dev/plic.h"
#include "kernel/dev/virtio_disk.h"
#include "kernel/mm/ram.h"
#include "kernel/mm/kalloc.h"
#include "kernel/mm/pagetable.h"
#include "kernel/trap/trap.h"
#include "kernel/trap/timer.h"
#include "kernel/proc/proc.h"
#include "kernel/mm/vmcheck.h"
#include "kernel/mm/mapcache.h"
#include "kernel/fs/bio.h"
#include "kernel/fs/inode.h"
#include "kernel/fs/file.h"

static volatile int machine_ready;   /* hart 0 sets it once shared state exists */

void
kernel_main(void)
{
  if (hart_id() == 0) {
    console_init();
    kprintf("\nkernel: booting, fork %s\n", COW_FORK == 2 ? "shares page tables copy-on-write"
                                         : COW_FORK == 1 ? "shares pages copy-on-write"
                                         : "copies every page");
    ram_init(boot_fdt_pa);
    /* Tables with an entry per page of RAM: carved before the page allocator takes the rest. */
    vmcheck_init();
    mapcache_init();
    proc_page_maps_init();
    page_allocator_init();
    kvm_init();
    proc_table_init();   /* maps the kernel stacks: before paging starts (see kvm_map) */
    kvm_init_hart();
    timer_init();
    trap_init_hart();
    plic_init();
    plic_init_hart();
    bcache_init();
    inode_cache_init();
    file_table_init();
    virtio_disk_init();
    proc_first_user();
    proc_start_kernel_threads();
    /* Parked harts counted themselves in their first instructions, long before this. */
    if (harts_parked > 0)
      kprintf("kernel: %d hart%s beyond NCPU=%d ignored\n", harts_parked,
              harts_parked == 1 ? "" : "s", NCPU);
    __sync_synchronize();
    machine_ready = 1;
  } else {
    while (!machine_ready)
      ;
    __sync_synchronize();
    kvm_init_hart();
    trap_init_hart();
    plic_init_hart();
  }
  kprintf("kernel: hart %d running\n", (int)hart_id());
  scheduler();
}
