package provider

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/inpod/inpod/framework/images"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
)

// loadImages copies images from the local Docker engine into every node's
// containerd, as `kind load docker-image` does: a node that already holds an
// image under the same ID is skipped; the others import one `docker save` archive.
func (k kindAPI) loadImages(ctx context.Context, refs ...string) error {
	all, err := k.nodes()
	if err != nil {
		return err
	}
	if len(refs) > 0 {
		k.log("loading into the node from the local engine: %s", strings.Join(refs, " "))
	}
	for _, ref := range refs {
		id, err := images.Docker(ctx, 10*time.Second, "image", "inspect", "--format", "{{.Id}}", ref)
		if err != nil {
			return fmt.Errorf("image %s: %w", ref, err)
		}
		var missing []nodes.Node
		for _, n := range all {
			if have, err := nodeutils.ImageID(n, ref); err != nil || have != id {
				missing = append(missing, n)
			}
		}
		if len(missing) == 0 {
			continue
		}
		if err := loadArchive(ctx, ref, missing); err != nil {
			return fmt.Errorf("load %s into kind cluster %s: %w", ref, k.name, err)
		}
	}
	return nil
}

func loadArchive(ctx context.Context, ref string, into []nodes.Node) error {
	dir, err := os.MkdirTemp("", "inpod-image-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	tar := filepath.Join(dir, "image.tar")
	if _, err := images.Docker(ctx, 10*time.Minute, "save", "-o", tar, ref); err != nil {
		return err
	}
	for _, n := range into {
		f, err := os.Open(tar)
		if err != nil {
			return err
		}
		err = nodeutils.LoadImageArchive(n, f)
		_ = f.Close()
		if err != nil {
			return fmt.Errorf("node %s: %w", n, err)
		}
	}
	return nil
}
