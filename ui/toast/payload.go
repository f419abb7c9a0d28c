// Package toast shows desktop notifications on Windows through the Windows
// Runtime (COM) with the title and body as XML text: no script, no shell.
// Fyne v2.7.1 instead writes them into a PowerShell string, where $(...)
// runs, and task output and pushed messages come from anywhere. Elsewhere
// Available is false and the caller keeps Fyne's notifications (D-Bus on
// Linux, UNNotification on macOS: text passed as data).
package toast

import (
	"encoding/xml"
	"fmt"
	"unicode/utf8"
)

// maxText bounds each text: Windows shows a few lines, and a task's output
// can be long.
const maxText = 1000

// toastXML is the ToastGeneric layout: a title line and a body.
type toastXML struct {
	XMLName xml.Name `xml:"toast"`
	Visual  struct {
		Binding struct {
			Template string   `xml:"template,attr"`
			Texts    []string `xml:"text"`
		} `xml:"binding"`
	} `xml:"visual"`
}

// Payload is the toast XML for title and body. encoding/xml writes both as
// character data (escaping <, &, quotes and line breaks, replacing characters
// XML cannot hold), so nothing in them becomes markup.
func Payload(title, body string) (string, error) {
	var t toastXML
	t.Visual.Binding.Template = "ToastGeneric"
	for _, s := range []string{title, body} {
		if s != "" {
			t.Visual.Binding.Texts = append(t.Visual.Binding.Texts, clip(s))
		}
	}
	out, err := xml.Marshal(t)
	if err != nil {
		return "", fmt.Errorf("toast xml: %w", err)
	}
	return string(out), nil
}

// clip cuts s to maxText runes, marking the cut.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxText {
		return s
	}
	return string([]rune(s)[:maxText-1]) + "…"
}
