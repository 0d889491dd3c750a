//go:build !linux

package cgroup

func mode() Layout { return Unavailable }
