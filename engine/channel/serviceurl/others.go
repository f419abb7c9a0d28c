package serviceurl

import "strings"

// Schemes of services Herald has kinds for, or is getting, whose URLs it
// cannot read yet: Parse names the service and, while the kind is missing,
// suggests the apprise kind. Giving one a parse function (and format) is
// all it takes to read it.
func init() {
	pending := []struct {
		kind, service     string
		apprise, shoutrrr []string
	}{
		{"discord", "Discord", []string{"discord"}, []string{"discord"}},
		{"slack", "Slack", []string{"slack"}, []string{"slack"}},
		{"pushover", "Pushover", []string{"pover"}, []string{"pushover"}},
		{"matrix", "Matrix", []string{"matrix", "matrixs"}, []string{"matrix"}},
		{"signal", "Signal", []string{"signal", "signals"}, []string{"signal"}},
		{"teams", "Microsoft Teams", []string{"workflow", "workflows", "msteams"}, []string{"teams"}},
		{"google_chat", "Google Chat", []string{"gchat"}, []string{"googlechat", "hangouts"}},
		{"homeassistant", "Home Assistant", []string{"hassio", "hassios"}, nil},
		{"mattermost", "Mattermost", []string{"mmost", "mmosts"}, []string{"mattermost"}},
		{"rocketchat", "Rocket.Chat", []string{"rocket", "rockets"}, []string{"rocketchat"}},
		{"pushbullet", "Pushbullet", []string{"pbul"}, []string{"pushbullet"}},
		{"apprise", "Apprise API", []string{"apprise", "apprises"}, nil},
	}
	for _, p := range pending {
		register(&scheme{names: p.apprise, style: Apprise, kind: p.kind, service: p.service})
		if p.shoutrrr != nil {
			register(&scheme{names: p.shoutrrr, style: Shoutrrr, kind: p.kind, service: p.service})
		}
	}
}

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
PushDeer: pushdeer pushdeers
Pushed: pushed
PushMe: pushme
PushWard: pushward
Pushy: pushy
QQ: qq
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
Synology Chat: synology synologys
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
