package serviceurl

import "strings"

// others maps every other Apprise (apprise/plugins/*.py protocol and
// secure_protocol) and shoutrrr (pkg/services/*) scheme to its service.
var others = func() map[string]string {
	m := map[string]string{}
	for _, line := range strings.Split(otherSchemes, "\n") {
		service, schemes, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		for _, s := range strings.Fields(schemes) {
			m[s] = strings.TrimSpace(service)
		}
	}
	return m
}()

const otherSchemes = `
46elks: 46elks elks
Africa's Talking: atalk
APRS: aprs
Azure: azure
Blink(1): blink1
Bluesky: bluesky bsky
Brevo: brevo
BulkSMS: bulksms
BulkVS: bulkvs
Burst SMS: burstsms
Chanify: chanify
Amazon Chime: chime
Clickatell: clickatell
ClickSend: clicksend
D7 Networks: d7sms
DAPNET: dapnet
DOT: dot
800.com: eight00com
Emby: emby embys
Enigma2: enigma2 enigma2s
Evolution: evolution evolutions
Exotel: exotel
Firebase Cloud Messaging: fcm
Flock: flock
Flowtriq: flowtriq flowtriqs
Fluxer: fluxer fluxers
Free Mobile: freemobile
GNOME: gnome
GLib: glib gio
GroupMe: groupme
Growl: growl
Guilded: guilded
httpSMS: httpsms
HumHub: humhub humhubs
IFTTT: ifttt
IRC: irc ircs
Jellyfin: jellyfin jellyfins
Jira: jira
Join: join
Kavenegar: kavenegar
Kodi: kodi kodis xbmc xbmcs
KOOK: kook
Kumulos: kumulos
LaMetric: lametric lametrics
LINE: line
macOS: macosx
MailerSend: mailersend
Mastodon: mastodon mastodons toot toots
MessageBird: msgbird
Misskey: misskey misskeys
MQTT: mqtt mqtts
MSG91: msg91
Nextcloud: ncloud nclouds
Nextcloud Talk: nctalk nctalks
Vonage: nexmo vonage
Notica: notica noticas
Notifiarr: notifiarr
Notifico: notifico notificos
Notifyre: notifyre
Microsoft Office 365: o365
Octopush: octopush
OneSignal: onesignal
Opsgenie: opsgenie
PagerDuty: pagerduty
PagerTree: pagertree
Parse Platform: parsep parseps
Pinglet: pinglet pinglets
Pingram: pingram
Pushjet: pjet pjets
Plivo: plivo
Postmark: postmark
Prowl: prowl
Pushsafer: psafer psafers
Techulus Push: push
Pushed: pushed
PushWard: pushward
Pushy: pushy
Reddit: reddit
Resend: resend
Revolt: revolt
RingCentral: ringc
Remote Syslog: rsyslog
Ryver: ryver
SendGrid: sendgrid
SendPulse: sendpulse
SerwerSMS: serwersms
Amazon SES: ses
Session: session sessions
Seven: seven
SFR: sfr
SIGNL4: signl4
Sinch: sinch
SMPP: smpp smpps
SMSC: smsc
SMSEagle: smseagle smseagles
SMTP2Go: smtp2go
Amazon SNS: sns
SOGS: sogs
SparkPost: sparkpost
Spike: spike
Splunk: splunk victorops
SpugPush: spugpush
SimplePush: spush
Stackfield: stackfield
Streamlabs: strmlabs
Syslog: syslog
Threema: threema
TrigV: trigv trigvs
Twilio: twilio
Twist: twist
X (Twitter): twitter tweet x
Web Push: vapid
Viber: viber
VoIP.ms: voipms
Webex Teams: webex wxteams
WhatsApp: whatsapp
Windows: windows
XML: xml xmls
XMPP: xmpp xmpps
Zoom: zoom
Zulip: zulip
shoutrrr logger: logger
`
