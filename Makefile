# Build, boot, debug and test the kernel.  `make help` lists the targets.

# ---- tools: each target installs what it needs, when it runs (tools/deps.sh) ----
# Reading this Makefile installs nothing and needs no RISC-V compiler: the
# rules deps-NEED below run `tools/deps.sh install NEED` (deps.sh lists the
# tools of each need), and the targets that need them name them: compiling
# needs build (order-only: no object is rebuilt for it), qemu and qemu-gdb
# need qemu, test and soak need test, unittest needs unit, bench needs bench,
# each named first so that a missing tool stops make before any work. help,
# clean, print-VAR and gdb name none. Under make -n they only report.
DEPS_NEEDS = build qemu test unit bench
DEPS_DRY_RUN = $(findstring n,$(firstword -$(MAKEFLAGS)))
# `+`: run even under make -n, so that a dry run still says what is missing.
$(addprefix deps-,$(DEPS_NEEDS)):
	+@TOOLPREFIX='$(DEPS_TOOLPREFIX)' $(if $(DEPS_DRY_RUN),DEPS_NO_INSTALL=1) \
	  tools/deps.sh install $(@:deps-%=%) || \
	  { echo "make: required tools are missing for $(@:deps-%=%); see the message above" >&2; exit 1; }

# Unless given: the first accepted prefix whose gcc is on PATH (the list is
# in deps.sh). Computed on first use, once (the eval makes it a simple
# variable then), so that deps-build can install the compiler first; deps.sh
# itself is told only a prefix the user gave.
ifeq ($(origin TOOLPREFIX),undefined)
TOOLPREFIX = $(eval TOOLPREFIX := $$(shell tools/deps.sh toolprefix))$(TOOLPREFIX)
DEPS_TOOLPREFIX =
else
DEPS_TOOLPREFIX = $(TOOLPREFIX)
endif
CC      = $(TOOLPREFIX)gcc
LD      = $(TOOLPREFIX)ld
OBJCOPY = $(TOOLPREFIX)objcopy
OBJDUMP = $(TOOLPREFIX)objdump
QEMU    = qemu-system-riscv64
# The tests' interpreter: its one definition is in deps.sh, which only prints
# it here (no tool is checked). Exported, so that the tests and tools/bench.sh
# run the same one.
PYTHON := $(shell tools/deps.sh python)
export PYTHON

# ---- the single build switch: how fork shares memory (kernel/mm/pagetable.c) ----
# 2 shares leaf page tables copy-on-write (the default), 1 shares page by
# page, 0 copies everything at once; 0 and 1 are kept for `make bench`.
COW ?= 2

CFLAGS  = -Wall -Werror -g -fno-omit-frame-pointer -ggdb -gdwarf-2
CFLAGS += -MD -MP -mcmodel=medany -ffreestanding -fno-common -nostdlib -fno-builtin
CFLAGS += -mno-relax -fno-pie -no-pie -fno-stack-protector
CFLAGS += -I. -DCOW_FORK=$(COW)
# KCOPY=byte builds the kernel's memmove and memset a byte at a time, as the
# tree had them before: make bench's reference for the copy rate.
KCOPY ?= word
ifeq ($(KCOPY),byte)
CFLAGS += -DKCOPY_BYTES
else ifneq ($(KCOPY),word)
$(error KCOPY=$(KCOPY): word (the default) or byte)
endif
# LOG=xv6 builds xv6's log protocol (kernel/fs/log_xv6.c) instead of ours, on
# a disk with a write cache as xv6 runs it: make bench's reference for appends.
# Not for use: a system call may return before its changes are on the disk.
LOG ?= ours
ifeq ($(LOG),xv6)
CFLAGS += -DLOG_XV6
LOG_NOT_BUILT := kernel/fs/log.c
else ifeq ($(LOG),ours)
LOG_NOT_BUILT := kernel/fs/log_xv6.c
else
$(error LOG=$(LOG): ours (the default) or xv6)
endif
ASFLAGS = $(CFLAGS) -D__ASSEMBLER__
LDFLAGS = -z max-page-size=4096

# The kernel is built for the debugger: -Og keeps locals visible and does not
# fold the fault steps (decide, reuse, copy) into their caller, so gdb can
# stop in each and print what it sees. `make KOPT=-O2 ...` builds the faster
# kernel (docs/debugging.md has what it costs).
KOPT ?= -Og

# ---- kernel ----
KSRCS := $(filter-out $(LOG_NOT_BUILT),$(sort $(wildcard kernel/*/*.c)))
KASMS := $(sort $(wildcard kernel/*/*.S))
KOBJS := $(KSRCS:.c=.o) $(KASMS:.S=.o)

kernel/kernel: $(KOBJS) kernel/kernel.ld
	$(LD) $(LDFLAGS) --no-warn-rwx-segments -T kernel/kernel.ld -o $@ $(KOBJS)
	$(OBJDUMP) -S $@ > kernel/kernel.asm
	$(OBJDUMP) -t $@ | sed '1,/SYMBOL TABLE/d; s/ .* / /; /^$$/d' > kernel/kernel.sym

kernel/%.o: kernel/%.c | deps-build
	$(CC) $(CFLAGS) $(KOPT) -c -o $@ $<

kernel/%.o: kernel/%.S | deps-build
	$(CC) $(ASFLAGS) -c -o $@ $<

# the COW, KCOPY and LOG switches and KOPT change kernel code: rebuild when one changes
nothing :=
KSTAMP := kernel/.build-cow$(COW)-$(KCOPY)-log$(LOG)$(subst $(nothing) ,,$(KOPT))
$(KSTAMP):
	rm -f kernel/.build-* $(KOBJS)
	touch $@
$(KOBJS): $(KSTAMP)

# ---- user programs: every user/NAME.c except the library becomes /NAME ----
# and so does every user/test/NAME.c: the project's own test and benchmark
# programs live apart from the everyday ones, but the disk has one flat /.
# Built as xv6 builds them (-O), with warnings as errors except the families
# below: programs written for xv6 trip them without being wrong on xv6 (xv6
# before 2024 did not check printf formats; newer compilers than an edition
# was written for add array-bounds and recursion checks). They stay warnings.
# Our own programs must be free of them too: `make check-user-warnings`
# (run by make test) builds every committed user/*.c and user/test/*.c with all of them as
# errors, except USER_UNCHECKED, written with unchecked formats on purpose.
USER_SOFT_WARNINGS = format format-extra-args format-zero-length format-overflow \
                     infinite-recursion array-bounds stringop-overflow
USER_UNCHECKED     = user/test/xv6compat22.c
UCFLAGS_STRICT = $(CFLAGS) -O
UCFLAGS        = $(UCFLAGS_STRICT) $(addprefix -Wno-error=,$(USER_SOFT_WARNINGS))

# USER_UNCHECKED is built quietly: its format warnings are what it is there
# to show (a 2022-edition program compiles here as it did then, see
# docs/compat.md), so printing them on every build would only teach people
# to skim past warnings. check-user-warnings still skips it.
USER_FORMAT_WARNINGS = $(filter format%,$(USER_SOFT_WARNINGS))
$(USER_UNCHECKED:.c=.o): UCFLAGS += $(addprefix -Wno-,$(USER_FORMAT_WARNINGS))

user/%.o: user/%.c | deps-build
	$(CC) $(UCFLAGS) -c -o $@ $<

check-user-warnings: user/usys.S | deps-build
	@files="$(filter-out $(USER_UNCHECKED),$(filter user/%.c,$(shell git ls-files 'user/*.c' 'user/test/*.c' 2>/dev/null || echo user/*.c user/test/*.c)))"; \
	for f in $$files; do \
	  $(CC) $(UCFLAGS_STRICT) -MF /dev/null -c -o /dev/null $$f || { echo "warning in our own $$f" >&2; exit 1; }; \
	done; echo "check-user-warnings: $$(echo $$files | wc -w) files, no warnings"

ULIB_SRCS := user/ulib.c user/printf.c user/umalloc.c
ULIB      := $(ULIB_SRCS:.c=.o) user/usys.o
UPROG_SRCS := $(filter-out $(ULIB_SRCS), $(sort $(wildcard user/*.c))) $(sort $(wildcard user/test/*.c))
# user/NAME.c -> user/_NAME, user/test/NAME.c -> user/test/_NAME: mkfs names each /NAME
UPROGS     := $(foreach src,$(UPROG_SRCS),$(dir $(src))_$(basename $(notdir $(src))))
# Two programs of one name would be two /NAME on the disk: refuse at once.
UPROG_TWICE := $(strip $(foreach name,$(sort $(notdir $(UPROGS))),\
                 $(if $(word 2,$(filter %/$(name),$(UPROGS))),$(name:_%=%))))
ifneq ($(UPROG_TWICE),)
$(error user/ and user/test/ both have a program named $(UPROG_TWICE): rename one)
endif

# Written to a temporary file first: when gen-usys.sh refuses a line of
# syscall.h, no usys.S is left behind (partial or stale) for a later make to accept.
user/usys.S: kernel/syscall.h tools/gen-usys.sh
	tools/gen-usys.sh kernel/syscall.h > $@.tmp || { rm -f $@ $@.tmp; exit 1; }
	mv $@.tmp $@

# user/NAME.debug keeps the line tables for gdb (`uprog NAME` in gdb loads
# it); the disk gets user/_NAME, the same program without them. The same
# for user/test/: user/test/NAME.debug beside user/test/_NAME.
LINK_UPROG = $(LD) $(LDFLAGS) -T user/user.ld -o $(1).debug $< $(ULIB) && \
             $(OBJDUMP) -S $(1).debug > $(1).asm && \
             $(OBJCOPY) --strip-debug $(1).debug $@
user/_%: user/%.o $(ULIB) user/user.ld
	$(call LINK_UPROG,user/$*)
user/test/_%: user/test/%.o $(ULIB) user/user.ld
	$(call LINK_UPROG,user/test/$*)

# ---- host tool and disk image ----
mkfs/mkfs: mkfs/mkfs.c mkfs/mkfs.h kernel/fs.h kernel/param.h kernel/stat.h kernel/types.h | deps-build
	gcc -Wall -Werror -O2 -I. -o $@ mkfs/mkfs.c

# mkfs/fsck fs.img checks an image (read only); see mkfs/fsck.c
mkfs/fsck: mkfs/fsck.c kernel/fs.h kernel/param.h kernel/stat.h kernel/types.h | deps-build
	gcc -Wall -Werror -O2 -I. -o $@ mkfs/fsck.c

fs.img: mkfs/mkfs README.md $(UPROGS)
	mkfs/mkfs $@ README=README.md $(UPROGS)

.DEFAULT_GOAL := all
all: kernel/kernel fs.img mkfs/fsck
.SECONDARY: $(UPROG_SRCS:.c=.o) $(ULIB)

-include kernel/*/*.d user/*.d user/test/*.d

# ---- run and debug ----
CPUS ?= 3
# RAM for make qemu and qemu-gdb, in QEMU's -m syntax (256M, 2G); the kernel
# reads the size from the device tree QEMU passes (kernel/mm/ram.c).
MEM ?= 128M
GDBPORT := $(shell expr `id -u` % 5000 + 25000)
QEMUOPTS  = -machine virt -bios none -kernel kernel/kernel -m $(MEM) -smp $(CPUS) -nographic
QEMUOPTS += -global virtio-mmio.force-legacy=false
QEMUOPTS += -drive file=fs.img,if=none,format=raw,id=x0
QEMUOPTS += -device virtio-blk-device,drive=x0,bus=virtio-mmio-bus.0
# More QEMU options for qemu and qemu-gdb: QEMUEXTRA=-snapshot keeps fs.img as
# it is (writes go to a temporary copy), as the tests' qemu-gdb sessions do, so
# that a QEMU killed mid-write leaves no log for the next boot to replay.
QEMUEXTRA ?=
QEMUOPTS += $(QEMUEXTRA)

# The kernel drives at most NCPU harts (kernel/param.h): refuse more before building.
NCPU_LIMIT := $(shell sed -n 's/^\#define NCPU *\([0-9]*\).*/\1/p' kernel/param.h)
check-cpus:
	@case "$(CPUS)" in ''|*[!0-9]*) echo "CPUS=$(CPUS): give a number of harts, 1 to $(NCPU_LIMIT)" >&2; exit 1;; esac
	@if [ $(CPUS) -lt 1 ] || [ $(CPUS) -gt $(NCPU_LIMIT) ]; then \
	  echo "CPUS=$(CPUS): the kernel drives 1 to $(NCPU_LIMIT) harts (NCPU in kernel/param.h)" >&2; exit 1; fi

qemu: | check-cpus
qemu: deps-qemu kernel/kernel fs.img
	$(QEMU) $(QEMUOPTS)

# Rewritten when the port (GDBPORT=N on the command line) or the template
# changes. Each make writes a temporary file of its own and renames it into
# place, so `make qemu-gdb` and `make gdb` started together do not collide.
.gdbinit: tools/gdbinit.tmpl FORCE
	@tmp=$$(mktemp .gdbinit.XXXXXX) && sed "s/:GDBPORT/:$(GDBPORT)/" < $< > $$tmp && \
	  { cmp -s $$tmp $@ && rm -f $$tmp || mv -f $$tmp $@; }

qemu-gdb: | check-cpus
qemu-gdb: deps-qemu kernel/kernel fs.img .gdbinit
	@echo "*** QEMU waits for gdb on port $(GDBPORT): run 'make gdb' in another terminal here" 1>&2
	$(QEMU) $(QEMUOPTS) -S -gdb tcp::$(GDBPORT)

# gdb with the project's .gdbinit read explicitly: stock gdb refuses to
# auto-load a .gdbinit from the current directory, so plain `gdb-multiarch`
# would start without our port, symbols and macros.
GDB    ?= $(shell command -v gdb-multiarch || echo $(TOOLPREFIX)gdb)
GDBCMD  = $(GDB) -q -iex 'set auto-load local-gdbinit off' -x .gdbinit
gdb: .gdbinit
	$(GDBCMD)

print-gdbport:
	@echo $(GDBPORT)

# make -s print-VAR prints a make variable as it is (tests read UCFLAGS_STRICT this way)
print-%:
	$(info $($*))@:

# ---- tests ----
# make test            host unit tests, then every QEMU test
# make test T=NAME     only the tests whose name matches NAME (pytest -k)
# make test CPUS=1     pin the number of harts for the QEMU tests
T ?=
test: deps-test all unittest
	$(PYTHON) tests/run.py $(if $(T),-k '$(T)') $(if $(filter command line,$(origin CPUS)),--cpus $(CPUS))

unittest: | deps-unit
	$(MAKE) -C tests/unit run

# make soak: the long runs `make test` keeps short: hundreds of crash points
# (tests/test_crash.py; POINTS=N), write logs cut after every write
# (tests/test_crash_writes.py; WRITE_RUNS=N), and the many-hart stress
# program on 2, 4 and 8 harts (tests/test_stress.py; STRESS_ROUNDS=N each)
POINTS ?= 300
WRITE_RUNS ?= 20
STRESS_ROUNDS ?= 300
soak: deps-test all
	CRASH_POINTS=$(POINTS) CRASH_WRITE_RUNS=$(WRITE_RUNS) STRESS_ROUNDS=$(STRESS_ROUNDS) \
	  $(PYTHON) tests/run.py -k 'test_crash or test_stress'

# side-by-side benchmarks of every fork design at -Og and -O2 (tools/bench.py):
# KOPT=FLAGS for one setting only, BENCH=io|fork|copy|big|append for one part only.
# Its plot's gnuplot is optional: tools/bench.sh installs it (without recommended
# packages) when it can, so the bench need itself does not ask for it.
bench: deps-bench | check-cpus
	tools/bench.sh

clean:
	rm -f kernel/*/*.o kernel/*/*.d kernel/kernel kernel/kernel.asm kernel/kernel.sym kernel/.build-*
	rm -f user/*.o user/*.d user/_* user/*.asm user/*.debug user/usys.S mkfs/mkfs mkfs/fsck fs.img .gdbinit
	rm -f user/test/*.o user/test/*.d user/test/_* user/test/*.asm user/test/*.debug
	rm -rf tests/results tests/__pycache__ .pytest_cache bench-results
	-$(MAKE) -C tests/unit clean

# Every target and switch, one line each (tests/test_tree.py checks that each
# .PHONY target and each `?=` switch above appears here).
help:
	@echo "targets:"
	@echo "  make [all]          build kernel/kernel, fs.img and mkfs/fsck"
	@echo "  make qemu           build and boot (leave QEMU with Ctrl-A X)"
	@echo "  make qemu-gdb       boot halted, waiting for gdb; then 'make gdb' in another terminal"
	@echo "  make gdb            gdb attached to qemu-gdb, with the project's macros (tools/gdbinit.tmpl)"
	@echo "  make test [T=NAME] [CPUS=N]   host unit tests, then every QEMU test;"
	@echo "                      T=NAME: only tests matching NAME (pytest -k); CPUS=N: harts for all"
	@echo "  make unittest       only the host unit tests (tests/unit)"
	@echo "  make soak [POINTS=N] [WRITE_RUNS=N] [STRESS_ROUNDS=N]   long crash and stress runs"
	@echo "  make bench [KOPT=..] [BENCH=io|fork|copy|big|append]   each fork design at -Og and -O2"
	@echo "  make check-user-warnings   build our own user programs with every warning an error"
	@echo "  make clean          remove everything built"
	@echo "  make help           this list"
	@echo "  make print-VAR      print a make variable (make -s print-CC)"
	@echo "  make print-gdbport  the port qemu-gdb and gdb use (GDBPORT)"
	@echo "  make deps-NEED      install the tools of a need: $(DEPS_NEEDS) (tools/deps.sh)"
	@echo "switches (make NAME=VALUE ...):"
	@echo "  COW=2               fork shares leaf page tables copy-on-write (the default)"
	@echo "  COW=1               fork shares memory page by page, copy-on-write"
	@echo "  COW=0               fork copies every page at once (eager copy)"
	@echo "  KOPT=-Og            kernel optimisation flags (default -Og, for gdb; -O2 is faster)"
	@echo "  KCOPY=word|byte     byte: byte-at-a-time memmove and memset (make bench's copy reference)"
	@echo "  LOG=ours|xv6        xv6: xv6's log protocol on a write-cached disk (append reference; not durable)"
	@echo "  MEM=128M            RAM for qemu and qemu-gdb, in QEMU's -m syntax"
	@echo "  CPUS=3              harts for qemu and qemu-gdb (1 to $(NCPU_LIMIT)); for test, all tests"
	@echo "  GDBPORT=N           gdb's port (default from your user id: $(GDBPORT))"
	@echo "  QEMUEXTRA=OPTS      more QEMU options for qemu and qemu-gdb (-snapshot: leave fs.img unchanged)"
	@echo "  T=NAME, POINTS=N, WRITE_RUNS=N, STRESS_ROUNDS=N, BENCH=...   as above"
	@echo "  GDB=path            the debugger make gdb runs (default gdb-multiarch)"
	@echo "  TOOLPREFIX=p-       the RISC-V toolchain prefix (default: the first deps.sh finds)"

.PHONY: all check-cpus qemu qemu-gdb gdb print-gdbport test unittest check-user-warnings soak bench clean help FORCE \
        $(addprefix deps-,$(DEPS_NEEDS))
