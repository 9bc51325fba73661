package io.fathom.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SeccompPolicyTest {

  @Test
  void buildsAClassicBpfProgramThroughFfm() {
    assumeTrue(Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/libseccomp.so.2"))
        || Files.exists(Path.of("/lib/x86_64-linux-gnu/libseccomp.so.2")), "libseccomp.so.2 not installed");
    SeccompLibrary lib = SeccompLibrary.load();
    assertThat(lib.resolve("ptrace")).isEqualTo(101); // x86_64
    assertThat(lib.resolve("no_such_syscall")).isNegative();
    byte[] bpf = SeccompPolicy.compile(lib, SeccompPolicy.standard());
    assertThat(bpf.length % 8).isZero();
    int instructions = bpf.length / 8;
    assertThat(instructions).isBetween(40, 4096);
    // first instruction: load the arch (BPF_LD|BPF_W|BPF_ABS, k = offsetof(seccomp_data, arch) = 4)
    ByteBuffer b = ByteBuffer.wrap(bpf).order(ByteOrder.nativeOrder());
    assertThat(b.getShort(0)).isEqualTo((short) 0x20);
    assertThat(b.getInt(4)).isEqualTo(4);
    // somewhere: return SECCOMP_RET_ERRNO|EPERM and SECCOMP_RET_ERRNO|ENOSYS (BPF_RET|BPF_K = 0x06)
    boolean eperm = false;
    boolean enosys = false;
    for (int i = 0; i < instructions; i++) {
      if (b.getShort(i * 8) == 0x06) {
        eperm |= b.getInt(i * 8 + 4) == 0x00050001;
        enosys |= b.getInt(i * 8 + 4) == 0x00050026;
      }
    }
    assertThat(eperm).isTrue();
    assertThat(enosys).isTrue();
  }

  @Test
  void policyCoversTheIssueList() {
    assertThat(SeccompPolicy.standard()).extracting(SeccompPolicy.Rule::syscall).contains("ptrace", "mount",
        "umount2", "unshare", "setns", "clone", "clone3", "socket", "bpf", "keyctl", "add_key", "request_key",
        "perf_event_open", "kexec_load", "init_module", "finit_module", "delete_module", "pivot_root",
        "chroot", "swapon", "swapoff", "reboot", "userfaultfd", "io_uring_setup");
  }
}
