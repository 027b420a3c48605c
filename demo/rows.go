package demo

import (
	"database/sql/driver"
	"encoding/json"
	"time"

	"github.com/quarry-kql/quarry/schema"
)

// The row types below have one field per column of the built-in schema of
// the same table, in the schema's order (a test checks it), so Values can
// feed a DuckDB appender directly. Strings are never null: a missing value is
// the empty string, as in Defender. Dynamic columns are string fields holding
// JSON text.

// EmailEvent is one row of EmailEvents: one message as seen by one
// recipient.
type EmailEvent struct {
	Timestamp              time.Time
	NetworkMessageId       string
	InternetMessageId      string
	SenderMailFromAddress  string
	SenderFromAddress      string
	SenderDisplayName      string
	SenderObjectId         string
	SenderMailFromDomain   string
	SenderFromDomain       string
	SenderIPv4             string
	SenderIPv6             string
	RecipientEmailAddress  string
	RecipientObjectId      string
	Subject                string
	EmailClusterId         int64
	EmailDirection         string
	DeliveryAction         string
	DeliveryLocation       string
	ThreatTypes            string
	ThreatNames            string
	DetectionMethods       string
	ConfidenceLevel        string
	BulkComplaintLevel     int32
	EmailAction            string
	EmailActionPolicy      string
	EmailActionPolicyGuid  string
	AuthenticationDetails  string
	AttachmentCount        int32
	UrlCount               int32
	EmailLanguage          string
	Connectors             string
	OrgLevelAction         string
	OrgLevelPolicy         string
	UserLevelAction        string
	UserLevelPolicy        string
	ReportId               string
	AdditionalFields       string
	LatestDeliveryLocation string
	LatestDeliveryAction   string
	ExchangeTransportRule  string
	DistributionList       string
	ForwardingInformation  string // JSON object on auto-forwarded mail, else ""
	Context                string
	To                     string // dynamic: a JSON array of addresses
	Cc                     string // dynamic: a JSON array of addresses
	ThreatClassification   string
	RecipientDomain        string
	EmailSize              int64
	IsFirstContact         bool
	TimeGenerated          time.Time
}

// Values appends the row's values, in schema order, to dst (Go types a
// DuckDB appender takes: time.Time, string, int32, int64, bool; dynamic
// columns as json.RawMessage, which the appender stores as the JSON value
// itself rather than as a JSON string).
func (e *EmailEvent) Values(dst []driver.Value) []driver.Value {
	return append(dst, e.Timestamp, e.NetworkMessageId, e.InternetMessageId,
		e.SenderMailFromAddress, e.SenderFromAddress, e.SenderDisplayName, e.SenderObjectId,
		e.SenderMailFromDomain, e.SenderFromDomain, e.SenderIPv4, e.SenderIPv6,
		e.RecipientEmailAddress, e.RecipientObjectId, e.Subject, e.EmailClusterId,
		e.EmailDirection, e.DeliveryAction, e.DeliveryLocation, e.ThreatTypes, e.ThreatNames,
		e.DetectionMethods, e.ConfidenceLevel, e.BulkComplaintLevel, e.EmailAction,
		e.EmailActionPolicy, e.EmailActionPolicyGuid, e.AuthenticationDetails,
		e.AttachmentCount, e.UrlCount, e.EmailLanguage, e.Connectors, e.OrgLevelAction,
		e.OrgLevelPolicy, e.UserLevelAction, e.UserLevelPolicy, e.ReportId, e.AdditionalFields,
		e.LatestDeliveryLocation, e.LatestDeliveryAction, e.ExchangeTransportRule,
		e.DistributionList, e.ForwardingInformation, e.Context, json.RawMessage(e.To), json.RawMessage(e.Cc),
		e.ThreatClassification, e.RecipientDomain, e.EmailSize, e.IsFirstContact,
		e.TimeGenerated)
}

// EmailAttachment is one row of EmailAttachmentInfo: one attachment of a
// message, per recipient.
type EmailAttachment struct {
	Timestamp             time.Time
	NetworkMessageId      string
	SenderFromAddress     string
	SenderDisplayName     string
	SenderObjectId        string
	RecipientEmailAddress string
	RecipientObjectId     string
	FileName              string
	FileType              string
	SHA256                string
	FileSize              int64
	ThreatTypes           string
	ThreatNames           string
	DetectionMethods      string
	ReportId              string
	TimeGenerated         time.Time
}

// Values appends the row's values, in schema order, to dst (Go types a
// DuckDB appender takes: time.Time, string, int32, int64, bool).
func (a *EmailAttachment) Values(dst []driver.Value) []driver.Value {
	return append(dst, a.Timestamp, a.NetworkMessageId, a.SenderFromAddress, a.SenderDisplayName,
		a.SenderObjectId, a.RecipientEmailAddress, a.RecipientObjectId, a.FileName, a.FileType,
		a.SHA256, a.FileSize, a.ThreatTypes, a.ThreatNames, a.DetectionMethods, a.ReportId,
		a.TimeGenerated)
}

// EmailUrl is one row of EmailUrlInfo: one URL found in a message.
type EmailUrl struct {
	Timestamp        time.Time
	NetworkMessageId string
	Url              string
	UrlDomain        string
	UrlLocation      string
	UrlChainId       string
	UrlChainPosition int32
	ReportId         string
	TimeGenerated    time.Time
}

// Values appends the row's values, in schema order, to dst (Go types a
// DuckDB appender takes: time.Time, string, int32, int64, bool).
func (u *EmailUrl) Values(dst []driver.Value) []driver.Value {
	return append(dst, u.Timestamp, u.NetworkMessageId, u.Url, u.UrlDomain, u.UrlLocation,
		u.UrlChainId, u.UrlChainPosition, u.ReportId, u.TimeGenerated)
}

// PostDeliveryEvent is one row of EmailPostDeliveryEvents: a ZAP or an
// administrator's remediation of a delivered message.
type PostDeliveryEvent struct {
	Timestamp             time.Time
	NetworkMessageId      string
	InternetMessageId     string
	Action                string
	ActionType            string
	ActionTrigger         string
	ActionResult          string
	RecipientEmailAddress string
	DeliveryLocation      string
	ThreatTypes           string
	DetectionMethods      string
	ReportId              string
	SenderFromAddress     string
	EmailDirection        string
	SourceLocation        string
	TimeGenerated         time.Time
}

// Values appends the row's values, in schema order, to dst (Go types a
// DuckDB appender takes: time.Time, string, int32, int64, bool).
func (p *PostDeliveryEvent) Values(dst []driver.Value) []driver.Value {
	return append(dst, p.Timestamp, p.NetworkMessageId, p.InternetMessageId, p.Action,
		p.ActionType, p.ActionTrigger, p.ActionResult, p.RecipientEmailAddress,
		p.DeliveryLocation, p.ThreatTypes, p.DetectionMethods, p.ReportId, p.SenderFromAddress,
		p.EmailDirection, p.SourceLocation, p.TimeGenerated)
}

// UrlClick is one row of UrlClickEvents: a Safe Links click on a URL of a
// message.
type UrlClick struct {
	Timestamp        time.Time
	Url              string
	ActionType       string
	AccountUpn       string
	Workload         string
	NetworkMessageId string
	ThreatTypes      string
	DetectionMethods string
	IPAddress        string
	IsClickedThrough bool
	UrlChain         string
	ReportId         string
	AppName          string
	AppVersion       string
	SourceId         string // "the source of the click": left empty by the demo
	TimeGenerated    time.Time
}

// Values appends the row's values, in schema order, to dst (Go types a
// DuckDB appender takes: time.Time, string, int32, int64, bool).
func (c *UrlClick) Values(dst []driver.Value) []driver.Value {
	return append(dst, c.Timestamp, c.Url, c.ActionType, c.AccountUpn, c.Workload,
		c.NetworkMessageId, c.ThreatTypes, c.DetectionMethods, c.IPAddress, c.IsClickedThrough,
		c.UrlChain, c.ReportId, c.AppName, c.AppVersion, c.SourceId, c.TimeGenerated)
}

// Tables lists the built-in tables the demo writes, EmailEvents first.
func Tables() []*schema.Table {
	var out []*schema.Table
	for _, n := range TableNames {
		t, ok := schema.Builtin(n)
		if !ok {
			panic("demo: no built-in schema for " + n)
		}
		out = append(out, t)
	}
	return out
}

// TableNames are the names of the tables the demo writes, EmailEvents first.
var TableNames = []string{"EmailEvents", "EmailAttachmentInfo", "EmailUrlInfo", "EmailPostDeliveryEvents", "UrlClickEvents"}
