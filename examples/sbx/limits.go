package main

import "fmt"

// parseResources and parseSeccomp are filled in as the cgroup and seccomp
// integration lands; until then those flags answer "not yet supported".
func parseResources(o *options, memory, pids, cpus string) error {
	for _, f := range []struct{ name, val string }{{"--memory", memory}, {"--pids", pids}, {"--cpus", cpus}} {
		if f.val != "" {
			return fmt.Errorf("%s: not yet supported", f.name)
		}
	}
	return nil
}

func parseSeccomp(o *options, profile string, _ any) error {
	if profile != "default" && profile != "unconfined" {
		return fmt.Errorf("--seccomp %q: not yet supported", profile)
	}
	return nil
}
