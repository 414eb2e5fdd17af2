package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"

	"github.com/inpod/inpod/framework/images"
)

// checkStandIns compares each stand-in's built config (docker image inspect)
// with the facts manifests/images/stand-ins.yaml records of the real image, and
// prints "STAND-IN<TAB>PUBLISHED" for each (the rehearsal serves one as the other).
func checkStandIns(ctx context.Context, k8sVersion string) error {
	all, err := images.StandIns()
	if err != nil {
		return err
	}
	var bad []string
	for _, s := range all {
		s = s.At(k8sVersion)
		out, err := exec.CommandContext(ctx, "docker", "image", "inspect", "--format", "{{json .Config}}", s.StandIn).Output()
		if err != nil {
			return fmt.Errorf("stand-in %s: docker image inspect: %v (is it built? make images)", s.StandIn, err)
		}
		var cfg images.ImageConfig
		if err := json.Unmarshal(out, &cfg); err != nil {
			return fmt.Errorf("stand-in %s: %v", s.StandIn, err)
		}
		if m := s.Mismatches(cfg); len(m) > 0 {
			bad = append(bad, m...)
			continue
		}
		fmt.Printf("%s\t%s\n", s.StandIn, s.Published)
		say("stand-in %s matches %s's recorded user %s, entrypoint %v, cmd %v, workdir %s", s.StandIn, s.Image, s.User, s.Entrypoint, s.Cmd, s.Workdir)
	}
	if len(bad) > 0 {
		return fmt.Errorf("stand-ins differ from manifests/images/stand-ins.yaml:\n  %s", strings.Join(bad, "\n  "))
	}
	return nil
}
