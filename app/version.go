package app

import (
	"regexp"
	"strings"
)

// Release is the version packages carry: FyneApp.toml's Details.Version
// (a test keeps them in step). Version, from git describe, is only a hash
// before the first tag.
const Release = "0.1.0"

var releaseTag = regexp.MustCompile(`^v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)$`)

// displayVersion is the version the window shows: "0.1.0 (bbbcdf3)" — the
// release, from a release tag when the build was made at one, and the
// commit it was built from.
func displayVersion(version, commit string) string {
	release := Release
	if m := releaseTag.FindStringSubmatch(version); m != nil {
		release = m[1]
	}
	if commit == "" || commit == "unknown" {
		return release + " (dev)"
	}
	return release + " (" + strings.TrimSuffix(commit, "-dirty") + ")"
}
