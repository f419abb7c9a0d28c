package channels

import (
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"fyne.io/fyne/v2"

	"github.com/heraldpush/herald/ui/look"
)

// TestFormShots writes the add form in both themes to $HERALD_THEME_SHOTS
// for a person to look at (help text, checkboxes, borders); skipped
// without it.
func TestFormShots(t *testing.T) {
	dir := os.Getenv("HERALD_THEME_SHOTS")
	if dir == "" {
		t.Skip("HERALD_THEME_SHOTS not set")
	}
	for name, mode := range map[string]look.Mode{"light": look.Light, "dark": look.Dark} {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t)
			fyne.CurrentApp().Settings().SetTheme(look.New(mode, false))
			f.openAdd("dingtalk")
			f.wait()
			out, err := os.Create(filepath.Join(dir, "channels-form-"+name+".png"))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			if err := png.Encode(out, f.win.Canvas().Capture()); err != nil {
				t.Fatal(err)
			}
		})
	}
}
