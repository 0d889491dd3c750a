// Package spec holds the messages the supervisor and the sandbox init
// exchange. It is internal: both ends are built from the same binary, so the
// wire format may change freely between versions.
//
//	supervisor (sandbox.Cmd.Start)              init (nsenter, /proc/self/exe)
//	------------------------------              -------------------------------
//	clone with CLONE_NEW* ------------------->  argv[0] == InitArg0
//	write Init as JSON on the spec pipe,        read Init until EOF
//	close it                ----------------->  mounts, pivot_root, /proc, /dev,
//	                                            hostname, lo
//	                                            start the program (pid 2 when the
//	                                            init is pid 1, else exec in place)
//	read Reports (JSON lines)  <-------------- Report{Kind: KindError} and exit, or
//	                           <-------------- Report{Kind: KindStarted}, or EOF when
//	                                            the init exec'd the program in place
//	                           <-------------- Report{Kind: KindExit} when pid 2 ends
//	reap the init, read what is left
//
// The status pipe is close-on-exec in the program, so the program never holds
// it; an init that dies early closes it and the supervisor sees EOF, never a
// hang.
package spec

// InitArg0 is argv[0] of a re-executed init. The supervisor sets it; nothing
// inside the sandbox can start the host binary, so the program cannot fake it.
const InitArg0 = "lockbox:init"

// ExecArg0 is argv[0] of the helper that pid 1 starts to set the program's
// credentials, capabilities and seccomp filter on its own thread, then execve.
const ExecArg0 = "lockbox:exec"

// Init is the whole description of one sandbox, sent once by the supervisor.
type Init struct {
	Hostname string `json:"hostname"`
	// NewNet reports whether the init is in a new network namespace and
	// must bring lo up.
	NewNet bool `json:"new_net,omitempty"`
	// NewUTS reports whether the hostname may be set.
	NewUTS bool `json:"new_uts,omitempty"`
	// PID1 reports whether the init is pid 1 of a new pid namespace; then it
	// stays as the reaper and the program runs as its child.
	PID1 bool `json:"pid1,omitempty"`

	// Root is the host directory used as the root, or "" for the read-only
	// host view on a fresh tmpfs.
	Root         string  `json:"root,omitempty"`
	RootWritable bool    `json:"root_writable,omitempty"`
	Mounts       []Mount `json:"mounts,omitempty"`
	TmpSize      int64   `json:"tmp_size,omitempty"`

	Program Program `json:"program"`
}

// Mount kinds.
const (
	MountBind  = "bind"
	MountTmpfs = "tmpfs"
)

// A Mount is one caller-given mount, applied in order after the system ones.
type Mount struct {
	Kind     string `json:"kind"`
	Source   string `json:"source,omitempty"` // host path, for binds
	Target   string `json:"target"`           // absolute path inside the root
	Writable bool   `json:"writable,omitempty"`
	Size     int64  `json:"size,omitempty"` // tmpfs size in bytes; 0 = kernel default
}

// Program is what runs in the sandbox and the per-process state it gets.
type Program struct {
	Path string   `json:"path"` // a name to look up in PATH, or a path inside the root
	Args []string `json:"args"`
	Env  []string `json:"env"`
	Dir  string   `json:"dir"`

	// NFiles is 3 + len(ExtraFiles): descriptors 0..NFiles-1 reach the
	// program, every other one is closed at execve.
	NFiles int `json:"nfiles"`

	UID    int   `json:"uid"`
	GID    int   `json:"gid"`
	Groups []int `json:"groups,omitempty"`

	// Caps is the bitmask of capabilities kept in all five sets.
	Caps uint64 `json:"caps,omitempty"`
	// Seccomp is the assembled filter (8-byte sock_filter records), or nil
	// for no filter.
	Seccomp []byte `json:"seccomp,omitempty"`

	Rlimits []Rlimit `json:"rlimits,omitempty"`
}

// An Rlimit is applied with setrlimit(2) just before execve.
type Rlimit struct {
	Resource int    `json:"resource"`
	Cur      uint64 `json:"cur"`
	Max      uint64 `json:"max"`
}

// Report kinds.
const (
	KindError   = "error"
	KindStarted = "started"
	KindExit    = "exit"
)

// A Report is one line on the status pipe, from the init to the supervisor.
type Report struct {
	Kind string `json:"kind"`

	// KindError: the setup step that failed, the path it acted on (if any),
	// the errno (0 if the failure was not a system call) and a message.
	Step     string `json:"step,omitempty"`
	Path     string `json:"path,omitempty"`
	Errno    int    `json:"errno,omitempty"`
	Msg      string `json:"msg,omitempty"`
	NotFound bool   `json:"not_found,omitempty"`

	// KindExit: the program's wait status, as wait4(2) returned it.
	WaitStatus uint32 `json:"wait_status,omitempty"`
}
