package channels

import (
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/heraldpush/herald/engine/registry"
	"github.com/heraldpush/herald/ui/pushpreview"
)

// newPreviewButton is the detail pane's Preview button, for the channel
// c returns; nil when the engine cannot preview.
func (v *View) newPreviewButton(c func() registry.Channel) *widget.Button {
	p, ok := v.eng.(pushpreview.Engine)
	if !ok {
		return nil
	}
	return widget.NewButtonWithIcon(pushpreview.ButtonText(), theme.DocumentIcon(), func() {
		if ch := c(); ch.Kind != nil {
			v.lastPreview = pushpreview.ForChannel(p, v.background, v.win, ch)
		}
	})
}

// previewState is the View's part of the Preview dialog.
type previewState struct {
	lastPreview *pushpreview.Dialog // the dialog opened last, for tests
}
