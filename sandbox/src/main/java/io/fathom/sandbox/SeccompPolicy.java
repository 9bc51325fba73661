package io.fathom.sandbox;

import io.fathom.sandbox.SeccompLibrary.ArgCmp;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seccomp policy of every sandboxed program: allow by default, and fail with {@code EPERM}
 * what a python or bash tool never needs but an escape does.
 *
 * <ul>
 *   <li>debugging other processes: {@code ptrace}, {@code process_vm_readv/writev};
 *   <li>mounts and namespaces: {@code mount}, {@code umount2}, the new mount API ({@code
 *       fsopen}, {@code fsmount}, {@code move_mount}, {@code open_tree}, …), {@code pivot_root},
 *       {@code chroot}, {@code unshare}, {@code setns}, and {@code clone} with any {@code
 *       CLONE_NEW*} flag (an argument rule: {@code (flags & CLONE_NEWx) == CLONE_NEWx}, one rule per
 *       flag). {@code clone3} fails with {@code ENOSYS} instead, because its flags sit in a struct
 *       that seccomp cannot inspect; glibc then falls back to {@code clone}, which is checked;
 *   <li>sockets of any family but {@code AF_UNIX} ({@code socket}/{@code socketpair} with domain
 *       {@code != AF_UNIX}): no {@code AF_INET}, {@code AF_INET6}, {@code AF_NETLINK}, {@code
 *       AF_PACKET}. The network namespace is unshared too, so this is the second wall;
 *   <li>kernel attack surface: {@code bpf}, {@code keyctl}, {@code add_key}, {@code request_key},
 *       {@code perf_event_open}, {@code userfaultfd}, {@code io_uring_*}, {@code
 *       open_by_handle_at};
 *   <li>system administration: {@code kexec_*}, {@code init_module}, {@code finit_module}, {@code
 *       delete_module}, {@code swapon}, {@code swapoff}, {@code reboot}, {@code acct}, {@code
 *       quotactl}, {@code syslog}, {@code iopl}, {@code ioperm}.
 * </ul>
 *
 * Non-native ABIs (i386 {@code int 0x80}, x32) are killed by libseccomp's architecture check. The
 * filter is built once per {@link Sandboxes} with {@link SeccompLibrary}; bubblewrap installs it
 * (with {@code no_new_privs}) right before it executes the program, so it binds every descendant.
 */
public final class SeccompPolicy {

  private static final Logger log = LoggerFactory.getLogger(SeccompPolicy.class);

  static final int EPERM = 1;
  static final int ENOSYS = 38;
  static final int AF_UNIX = 1;

  static final long CLONE_NEWNS = 0x00020000L;
  static final long CLONE_NEWCGROUP = 0x02000000L;
  static final long CLONE_NEWUTS = 0x04000000L;
  static final long CLONE_NEWIPC = 0x08000000L;
  static final long CLONE_NEWUSER = 0x10000000L;
  static final long CLONE_NEWPID = 0x20000000L;
  static final long CLONE_NEWNET = 0x40000000L;

  /** One rule: fail {@code syscall} with {@code errno} when all conditions hold (none: always). */
  public record Rule(String syscall, int errno, List<ArgCmp> when) {
    public Rule {
      when = List.copyOf(when);
    }

    static Rule deny(String syscall) {
      return new Rule(syscall, EPERM, List.of());
    }
  }

  private SeccompPolicy() {}

  /** The rules described in the class comment. */
  public static List<Rule> standard() {
    List<Rule> rules = new ArrayList<>();
    for (String s : List.of(
        "ptrace", "process_vm_readv", "process_vm_writev",
        "mount", "umount", "umount2", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree",
        "mount_setattr", "pivot_root", "chroot", "unshare", "setns",
        "bpf", "keyctl", "add_key", "request_key", "perf_event_open", "userfaultfd",
        "io_uring_setup", "io_uring_enter", "io_uring_register", "open_by_handle_at",
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "swapon", "swapoff", "reboot", "acct", "quotactl", "syslog", "iopl", "ioperm")) {
      rules.add(Rule.deny(s));
    }
    rules.add(new Rule("clone3", ENOSYS, List.of()));
    for (long flag : new long[] {CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC, CLONE_NEWUSER,
        CLONE_NEWPID, CLONE_NEWNET}) {
      rules.add(new Rule("clone", EPERM, List.of(ArgCmp.allBits(0, flag))));
    }
    rules.add(new Rule("socket", EPERM, List.of(ArgCmp.ne(0, AF_UNIX))));
    rules.add(new Rule("socketpair", EPERM, List.of(ArgCmp.ne(0, AF_UNIX))));
    return List.copyOf(rules);
  }

  /** Compiles {@code rules} (default: allow) into a BPF program for bwrap's {@code --seccomp}. */
  public static byte[] compile(SeccompLibrary lib, List<Rule> rules) {
    try (SeccompLibrary.Filter filter = lib.newFilter(SeccompLibrary.ACT_ALLOW)) {
      for (Rule r : rules) {
        if (!filter.add(SeccompLibrary.actErrno(r.errno()), r.syscall(), r.when())) {
          log.debug("seccomp: syscall {} does not exist on this architecture; no rule", r.syscall());
        }
      }
      byte[] bpf = filter.exportBpf();
      if (bpf.length == 0 || bpf.length % 8 != 0) {
        throw new IllegalStateException("seccomp_export_bpf produced " + bpf.length + " bytes");
      }
      return bpf;
    }
  }
}
