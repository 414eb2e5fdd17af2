package run

import (
	"strings"
	"testing"

	"github.com/inpod/inpod/framework/images"
	"github.com/inpod/inpod/framework/provider"
)

// On the published path the engine makes ready only what is built here; every
// pulled probe is the node's, so no pulled image goes through `docker save`.
func TestBuiltHereLeavesPulledImagesToTheNode(t *testing.T) {
	pub := images.Published("v1.37.2")
	var said []string
	log := func(f string, a ...any) { said = append(said, f) }
	got := builtHere([]string{pub["curl"], pub["kubectl"], pub["python"], pub["go"]}, nil, log)
	if strings.Join(got, " ") != pub["python"]+" "+pub["go"] {
		t.Errorf("engine makes ready %q, want only the images built from Dockerfiles", got)
	}
	if len(said) != 2 {
		t.Errorf("each image left to the node is said once: %q", said)
	}
	mirrored := builtHere([]string{"127.0.0.1:5055/inpod/probe-go:v1@sha256:" + strings.Repeat("a", 64)},
		[]provider.Mirror{{Host: "127.0.0.1:5055"}}, log)
	if len(mirrored) != 0 {
		t.Errorf("a mirrored image is the node's: %q", mirrored)
	}
}

// An image built here is never left to the node, even under a docker.io mirror:
// no registry holds it.
func TestBuiltHereKeepsBuiltImagesUnderAMirror(t *testing.T) {
	pub := images.Published("v1.37.2")
	got := builtHere([]string{pub["python"], pub["curl"]}, []provider.Mirror{{Host: "docker.io"}}, func(string, ...any) {})
	if strings.Join(got, " ") != pub["python"] {
		t.Errorf("engine makes ready %q, want the built %s only", got, pub["python"])
	}
}
