// The macros a generated header must not reuse as a name.
//
// A backend includes the generated header beside <cstdint>, <climits>,
// <cstddef>, <cstdio>, <cstdlib>, <cerrno> and <csignal>; a name the
// description gives that is one of their macros would be replaced by the
// preprocessor and the header would not compile. The list is what Debian 12's
// g++ 12 prints for those includes with `c++ -std=c++20 -dM -E` (g++ defines
// _GNU_SOURCE, so glibc's POSIX and GNU extras such as PATH_MAX, SIGRTMIN and
// SEGV_MAPERR are here too), kept to the two shapes of names smmu-gen accepts:
// upper case ([A-Z][A-Z0-9_]*: registers, fields, values, structures, blocks)
// and lower case ([a-z][a-z0-9_]*: architecture and page-table names once '-'
// becomes '_', such as errno, stdout or si_pid). tests/gen/gen_test.cpp reruns
// the compiler and fails when it prints a macro missing here. Kept as data,
// not computed, so the generator's answer does not depend on the machine it
// runs on.
#include <algorithm>
#include <array>
#include <string_view>

#include "description.hpp"

namespace smmuman::gen {

namespace {

// Sorted, for binary search. Besides the compiler's list: TRUE and FALSE,
// which many C code bases and SDK headers define, <ctime>'s CLOCKS_PER_SEC,
// and linux and unix, which g++ predefines in its default GNU dialect
// (-std=gnu++20), where a backend may well be built.
constexpr std::array<std::string_view, 559> kStandardMacros = {
    "AIO_PRIO_DELTA_MAX", "BC_BASE_MAX", "BC_DIM_MAX", "BC_SCALE_MAX", "BC_STRING_MAX", "BIG_ENDIAN", "BOOL_MAX",
    "BOOL_WIDTH", "BUFSIZ", "BUS_ADRALN", "BUS_ADRERR", "BUS_MCEERR_AO", "BUS_MCEERR_AR", "BUS_OBJERR",
    "BYTE_ORDER", "CHARCLASS_NAME_MAX", "CHAR_BIT", "CHAR_MAX", "CHAR_MIN", "CHAR_WIDTH", "CLD_CONTINUED",
    "CLD_DUMPED", "CLD_EXITED", "CLD_KILLED", "CLD_STOPPED", "CLD_TRAPPED", "CLOCKS_PER_SEC", "CLOSE_RANGE_CLOEXEC",
    "CLOSE_RANGE_UNSHARE", "COLL_WEIGHTS_MAX", "DELAYTIMER_MAX", "E2BIG", "EACCES", "EADDRINUSE", "EADDRNOTAVAIL",
    "EADV", "EAFNOSUPPORT", "EAGAIN", "EALREADY", "EBADE", "EBADF", "EBADFD", "EBADMSG", "EBADR", "EBADRQC",
    "EBADSLT", "EBFONT", "EBUSY", "ECANCELED", "ECHILD", "ECHRNG", "ECOMM", "ECONNABORTED", "ECONNREFUSED",
    "ECONNRESET", "EDEADLK", "EDEADLOCK", "EDESTADDRREQ", "EDOM", "EDOTDOT", "EDQUOT", "EEXIST", "EFAULT", "EFBIG",
    "EHOSTDOWN", "EHOSTUNREACH", "EHWPOISON", "EIDRM", "EILSEQ", "EINPROGRESS", "EINTR", "EINVAL", "EIO", "EISCONN",
    "EISDIR", "EISNAM", "EKEYEXPIRED", "EKEYREJECTED", "EKEYREVOKED", "EL2HLT", "EL2NSYNC", "EL3HLT", "EL3RST",
    "ELIBACC", "ELIBBAD", "ELIBEXEC", "ELIBMAX", "ELIBSCN", "ELNRNG", "ELOOP", "EMEDIUMTYPE", "EMFILE", "EMLINK",
    "EMSGSIZE", "EMULTIHOP", "ENAMETOOLONG", "ENAVAIL", "ENETDOWN", "ENETRESET", "ENETUNREACH", "ENFILE", "ENOANO",
    "ENOBUFS", "ENOCSI", "ENODATA", "ENODEV", "ENOENT", "ENOEXEC", "ENOKEY", "ENOLCK", "ENOLINK", "ENOMEDIUM",
    "ENOMEM", "ENOMSG", "ENONET", "ENOPKG", "ENOPROTOOPT", "ENOSPC", "ENOSR", "ENOSTR", "ENOSYS", "ENOTBLK",
    "ENOTCONN", "ENOTDIR", "ENOTEMPTY", "ENOTNAM", "ENOTRECOVERABLE", "ENOTSOCK", "ENOTSUP", "ENOTTY", "ENOTUNIQ",
    "ENXIO", "EOF", "EOPNOTSUPP", "EOVERFLOW", "EOWNERDEAD", "EPERM", "EPFNOSUPPORT", "EPIPE", "EPROTO",
    "EPROTONOSUPPORT", "EPROTOTYPE", "ERANGE", "EREMCHG", "EREMOTE", "EREMOTEIO", "ERESTART", "ERFKILL", "EROFS",
    "ESHUTDOWN", "ESOCKTNOSUPPORT", "ESPIPE", "ESRCH", "ESRMNT", "ESTALE", "ESTRPIPE", "ETIME", "ETIMEDOUT",
    "ETOOMANYREFS", "ETXTBSY", "EUCLEAN", "EUNATCH", "EUSERS", "EWOULDBLOCK", "EXDEV", "EXFULL", "EXIT_FAILURE",
    "EXIT_SUCCESS", "EXPR_NEST_MAX", "FALSE", "FD_CLR", "FD_ISSET", "FD_SET", "FD_SETSIZE", "FD_ZERO",
    "FILENAME_MAX", "FOPEN_MAX", "FPE_CONDTRAP", "FPE_FLTDIV", "FPE_FLTINV", "FPE_FLTOVF", "FPE_FLTRES",
    "FPE_FLTSUB", "FPE_FLTUND", "FPE_FLTUNK", "FPE_INTDIV", "FPE_INTOVF", "FP_XSTATE_MAGIC1", "FP_XSTATE_MAGIC2",
    "FP_XSTATE_MAGIC2_SIZE", "F_LOCK", "F_OK", "F_TEST", "F_TLOCK", "F_ULOCK", "HOST_NAME_MAX", "ILL_BADIADDR",
    "ILL_BADSTK", "ILL_COPROC", "ILL_ILLADR", "ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLTRP", "ILL_PRVOPC", "ILL_PRVREG",
    "INT16_C", "INT16_MAX", "INT16_MIN", "INT16_WIDTH", "INT32_C", "INT32_MAX", "INT32_MIN", "INT32_WIDTH",
    "INT64_C", "INT64_MAX", "INT64_MIN", "INT64_WIDTH", "INT8_C", "INT8_MAX", "INT8_MIN", "INT8_WIDTH", "INTMAX_C",
    "INTMAX_MAX", "INTMAX_MIN", "INTMAX_WIDTH", "INTPTR_MAX", "INTPTR_MIN", "INTPTR_WIDTH", "INT_FAST16_MAX",
    "INT_FAST16_MIN", "INT_FAST16_WIDTH", "INT_FAST32_MAX", "INT_FAST32_MIN", "INT_FAST32_WIDTH", "INT_FAST64_MAX",
    "INT_FAST64_MIN", "INT_FAST64_WIDTH", "INT_FAST8_MAX", "INT_FAST8_MIN", "INT_FAST8_WIDTH", "INT_LEAST16_MAX",
    "INT_LEAST16_MIN", "INT_LEAST16_WIDTH", "INT_LEAST32_MAX", "INT_LEAST32_MIN", "INT_LEAST32_WIDTH",
    "INT_LEAST64_MAX", "INT_LEAST64_MIN", "INT_LEAST64_WIDTH", "INT_LEAST8_MAX", "INT_LEAST8_MIN",
    "INT_LEAST8_WIDTH", "INT_MAX", "INT_MIN", "INT_WIDTH", "IOV_MAX", "LINE_MAX", "LITTLE_ENDIAN", "LLONG_MAX",
    "LLONG_MIN", "LLONG_WIDTH", "LOGIN_NAME_MAX", "LONG_BIT", "LONG_LONG_MAX", "LONG_LONG_MIN", "LONG_MAX",
    "LONG_MIN", "LONG_WIDTH", "L_INCR", "L_SET", "L_XTND", "MAX_CANON", "MAX_INPUT", "MB_CUR_MAX", "MB_LEN_MAX",
    "MINSIGSTKSZ", "MQ_PRIO_MAX", "NAME_MAX", "NFDBITS", "NGREG", "NGROUPS_MAX", "NL_ARGMAX", "NL_LANGMAX",
    "NL_MSGMAX", "NL_NMAX", "NL_SETMAX", "NL_TEXTMAX", "NSIG", "NULL", "NZERO", "PATH_MAX", "PDP_ENDIAN",
    "PIPE_BUF", "POLL_ERR", "POLL_HUP", "POLL_IN", "POLL_MSG", "POLL_OUT", "POLL_PRI",
    "PTHREAD_DESTRUCTOR_ITERATIONS", "PTHREAD_KEYS_MAX", "PTHREAD_STACK_MIN", "PTRDIFF_MAX", "PTRDIFF_MIN",
    "PTRDIFF_WIDTH", "RAND_MAX", "REG_CR2", "REG_CSGSFS", "REG_EFL", "REG_ERR", "REG_OLDMASK", "REG_R10", "REG_R11",
    "REG_R12", "REG_R13", "REG_R14", "REG_R15", "REG_R8", "REG_R9", "REG_RAX", "REG_RBP", "REG_RBX", "REG_RCX",
    "REG_RDI", "REG_RDX", "REG_RIP", "REG_RSI", "REG_RSP", "REG_TRAPNO", "RENAME_EXCHANGE", "RENAME_NOREPLACE",
    "RENAME_WHITEOUT", "RE_DUP_MAX", "RTSIG_MAX", "R_OK", "SA_INTERRUPT", "SA_NOCLDSTOP", "SA_NOCLDWAIT",
    "SA_NODEFER", "SA_NOMASK", "SA_ONESHOT", "SA_ONSTACK", "SA_RESETHAND", "SA_RESTART", "SA_SIGINFO", "SA_STACK",
    "SCHAR_MAX", "SCHAR_MIN", "SCHAR_WIDTH", "SEEK_CUR", "SEEK_DATA", "SEEK_END", "SEEK_HOLE", "SEEK_SET",
    "SEGV_ACCADI", "SEGV_ACCERR", "SEGV_ADIDERR", "SEGV_ADIPERR", "SEGV_BNDERR", "SEGV_MAPERR", "SEGV_MTEAERR",
    "SEGV_MTESERR", "SEGV_PKUERR", "SEM_VALUE_MAX", "SHRT_MAX", "SHRT_MIN", "SHRT_WIDTH", "SIGABRT", "SIGALRM",
    "SIGBUS", "SIGCHLD", "SIGCLD", "SIGCONT", "SIGEV_NONE", "SIGEV_SIGNAL", "SIGEV_THREAD", "SIGEV_THREAD_ID",
    "SIGFPE", "SIGHUP", "SIGILL", "SIGINT", "SIGIO", "SIGIOT", "SIGKILL", "SIGPIPE", "SIGPOLL", "SIGPROF", "SIGPWR",
    "SIGQUIT", "SIGRTMAX", "SIGRTMIN", "SIGSEGV", "SIGSTKFLT", "SIGSTKSZ", "SIGSTOP", "SIGSYS", "SIGTERM",
    "SIGTRAP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGUSR1", "SIGUSR2", "SIGVTALRM", "SIGWINCH", "SIGXCPU",
    "SIGXFSZ", "SIG_ATOMIC_MAX", "SIG_ATOMIC_MIN", "SIG_ATOMIC_WIDTH", "SIG_BLOCK", "SIG_DFL", "SIG_ERR",
    "SIG_HOLD", "SIG_IGN", "SIG_SETMASK", "SIG_UNBLOCK", "SIZE_MAX", "SIZE_WIDTH", "SI_ASYNCIO", "SI_ASYNCNL",
    "SI_DETHREAD", "SI_KERNEL", "SI_MESGQ", "SI_QUEUE", "SI_SIGIO", "SI_TIMER", "SI_TKILL", "SI_USER", "SSIZE_MAX",
    "SS_DISABLE", "SS_ONSTACK", "STDERR_FILENO", "STDIN_FILENO", "STDOUT_FILENO", "TEMP_FAILURE_RETRY", "TMP_MAX",
    "TRAP_BRANCH", "TRAP_BRKPT", "TRAP_HWBKPT", "TRAP_TRACE", "TRAP_UNK", "TRUE", "TTY_NAME_MAX", "UCHAR_MAX",
    "UCHAR_WIDTH", "UINT16_C", "UINT16_MAX", "UINT16_WIDTH", "UINT32_C", "UINT32_MAX", "UINT32_WIDTH", "UINT64_C",
    "UINT64_MAX", "UINT64_WIDTH", "UINT8_C", "UINT8_MAX", "UINT8_WIDTH", "UINTMAX_C", "UINTMAX_MAX",
    "UINTMAX_WIDTH", "UINTPTR_MAX", "UINTPTR_WIDTH", "UINT_FAST16_MAX", "UINT_FAST16_WIDTH", "UINT_FAST32_MAX",
    "UINT_FAST32_WIDTH", "UINT_FAST64_MAX", "UINT_FAST64_WIDTH", "UINT_FAST8_MAX", "UINT_FAST8_WIDTH",
    "UINT_LEAST16_MAX", "UINT_LEAST16_WIDTH", "UINT_LEAST32_MAX", "UINT_LEAST32_WIDTH", "UINT_LEAST64_MAX",
    "UINT_LEAST64_WIDTH", "UINT_LEAST8_MAX", "UINT_LEAST8_WIDTH", "UINT_MAX", "UINT_WIDTH", "ULLONG_MAX",
    "ULLONG_WIDTH", "ULONG_LONG_MAX", "ULONG_MAX", "ULONG_WIDTH", "USHRT_MAX", "USHRT_WIDTH", "WCHAR_MAX",
    "WCHAR_MIN", "WCHAR_WIDTH", "WCONTINUED", "WEXITED", "WEXITSTATUS", "WIFCONTINUED", "WIFEXITED", "WIFSIGNALED",
    "WIFSTOPPED", "WINT_MAX", "WINT_MIN", "WINT_WIDTH", "WNOHANG", "WNOWAIT", "WORD_BIT", "WSTOPPED", "WSTOPSIG",
    "WTERMSIG", "WUNTRACED", "W_OK", "XATTR_LIST_MAX", "XATTR_NAME_MAX", "XATTR_SIZE_MAX", "X_OK", "alloca",
    "be16toh", "be32toh", "be64toh", "errno", "htobe16", "htobe32", "htobe64", "htole16", "htole32", "htole64",
    "le16toh", "le32toh", "le64toh", "linux", "offsetof", "sa_handler", "sa_sigaction", "si_addr", "si_addr_lsb",
    "si_arch", "si_band", "si_call_addr", "si_fd", "si_int", "si_lower", "si_overrun", "si_pid", "si_pkey",
    "si_ptr", "si_status", "si_stime", "si_syscall", "si_timerid", "si_uid", "si_upper", "si_utime", "si_value",
    "sigev_notify_attributes", "sigev_notify_function", "sigmask", "stderr", "stdin", "stdout", "unix",
};
static_assert(std::is_sorted(kStandardMacros.begin(), kStandardMacros.end()));

}  // namespace

bool is_standard_macro_name(std::string_view name) {
  // Boost.Hana is included by every generated header; Boost reserves this prefix for its macros.
  if (name.starts_with("BOOST_")) return true;
  return std::binary_search(kStandardMacros.begin(), kStandardMacros.end(), name);
}

}  // namespace smmuman::gen
