package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/inpod/inpod/framework/images"
)

// buildImageCommand is `inpodctl build-image NAME --to REF [--base REF]
// [--platforms LIST]`: one of inpod's Go images cross-compiled for each
// platform and pushed as an index; it prints REF@sha256:….
func buildImageCommand() *cobra.Command {
	var base, to, platforms string
	var names []string
	for _, g := range images.GoImages {
		names = append(names, g.Name)
	}
	c := &cobra.Command{
		Use:   "build-image NAME",
		Short: "Build one of inpod's Go images (" + strings.Join(names, ", ") + ") for each platform and push it (prints REF@digest)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g, ok := images.LookupGoImage(args[0])
			if !ok {
				return usageError{fmt.Errorf("build-image: %q is not one of %s", args[0], strings.Join(names, ", "))}
			}
			ps, err := images.ParsePlatforms(platforms)
			if err != nil {
				return usageError{fmt.Errorf("build-image: --platforms: %w", err)}
			}
			if to == "" {
				return usageError{fmt.Errorf("build-image: --to REGISTRY/NAME:TAG is required")}
			}
			root, err := os.Getwd()
			if err != nil {
				return err
			}
			d, err := images.BuildGoImage(cmd.Context(), images.GoBuildInput{Image: g, Base: base, Platforms: ps, Root: root, To: to, Log: say})
			if err != nil {
				return fmt.Errorf("build-image %s: %w", g.Name, err)
			}
			fmt.Printf("%s@%s\n", to, d)
			return nil
		},
	}
	c.Flags().StringVar(&to, "to", "", "the reference to push, REGISTRY/NAME:TAG")
	c.Flags().StringVar(&base, "base", images.GoBase, "the base: an index holding every platform, or an image of one")
	c.Flags().StringVar(&platforms, "platforms", "linux/amd64,linux/arm64", "OS/ARCH list")
	return c
}

// standInBaseCommand is `inpodctl standin-base --to REF`: the stand-in for the
// Go images' base (images.StaticBaseFacts says what it reproduces) pushed for
// each platform; it prints REF@sha256:….
func standInBaseCommand() *cobra.Command {
	var to, platforms, ca string
	c := &cobra.Command{
		Use:   "standin-base",
		Short: "Push the stand-in for " + strings.SplitN(images.GoBase, "@", 2)[0] + " (prints REF@digest)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ps, err := images.ParsePlatforms(platforms)
			if err != nil {
				return usageError{fmt.Errorf("standin-base: --platforms: %w", err)}
			}
			if to == "" {
				return usageError{fmt.Errorf("standin-base: --to REGISTRY/NAME:TAG is required")}
			}
			d, err := images.PushStaticBase(cmd.Context(), to, ps, ca)
			if err != nil {
				return fmt.Errorf("standin-base: %w", err)
			}
			fmt.Printf("%s@%s\n", to, d)
			return nil
		},
	}
	c.Flags().StringVar(&to, "to", "", "the reference to push, REGISTRY/NAME:TAG")
	c.Flags().StringVar(&platforms, "platforms", "linux/amd64,linux/arm64", "OS/ARCH list")
	c.Flags().StringVar(&ca, "ca-bundle", "/etc/ssl/certs/ca-certificates.crt", "the CA bundle the base carries (Debian's ca-certificates)")
	return c
}
