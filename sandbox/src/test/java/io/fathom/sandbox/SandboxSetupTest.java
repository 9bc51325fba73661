package io.fathom.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SandboxSetupTest {

  @Test
  void reportsEachMissingItemWithItsFix() {
    SandboxConfig base = SandboxConfig.defaults(Path.of("/tmp/fathom-sandbox-setup-test"));
    SandboxConfig broken = new SandboxConfig(base.root(), "no-such-user-xyz", Path.of("/nonexistent/bwrap"),
        base.prlimit(), base.setpriv(), base.shell(), Path.of("/nonexistent/cgroup"), "fathom", base.etcFiles(),
        base.idleTimeout(), base.defaultLimits(), base.ceiling());
    SandboxSetup.Report r = SandboxSetup.check(broken);
    System.out.println(r.describe());
    assertThat(r.ready()).isFalse();
    assertThat(r.missing()).extracting(SandboxSetup.Missing::name)
        .contains("bubblewrap", "sandbox user", "cgroup v1 memory", "cgroup v1 pids", "cgroup v1 cpu");
    assertThat(r.describe()).contains("apt-get install -y bubblewrap", "useradd --system", "mount -t cgroup -o memory");
  }

  @Test
  void thisMachineIsReadyAfterSetupSh() {
    SandboxSetup.Report r = SandboxSetup.check(SandboxConfig.defaults(Path.of("/tmp/fathom-sandbox-x")));
    System.out.println(r.describe());
    // not asserted ready: the suite runs (or skips with this report) elsewhere; the report must be complete
    assertThat(r.checks()).extracting(SandboxSetup.Check::name).contains("root", "bubblewrap", "prlimit", "setpriv",
        "libseccomp", "sandbox user", "user namespaces", "cgroup v1 memory", "cgroup v1 pids", "cgroup v1 cpu",
        "cgroup v1 freezer", "sandbox root", "python3");
  }
}
