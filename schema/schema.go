// Package schema holds the built-in table schemas quarry knows without
// looking at a store: the Microsoft Defender XDR email tables, and the
// three other Defender tables Microsoft's email hunting queries join with
// them, as documented in the advanced-hunting schema reference. The binder, the store and every
// ingest source take column names and types from here, so a table written by
// `quarry ingest` is the same table a hunting rule expects.
package schema

import (
	"sort"
	"strings"

	"github.com/quarry-kql/quarry/kql/types"
)

// Column is one column of a table.
type Column struct {
	Name string
	Type types.Type
}

// Table is a named, ordered list of columns.
type Table struct {
	Name    string
	Columns []Column
	// Doc is a one-line description for `quarry tables` and the console.
	Doc string
}

// Column returns the column with the given name (case-sensitive, as in KQL).
func (t *Table) Column(name string) (Column, bool) {
	for _, c := range t.Columns {
		if c.Name == name {
			return c, true
		}
	}
	return Column{}, false
}

// TimeGenerated is the column Microsoft Sentinel adds to its copies of the
// Defender XDR tables. quarry stores it next to Timestamp, with the same
// value unless the source says otherwise, so rules written for either
// product run unmodified.
const TimeGenerated = "TimeGenerated"

func cols(spec string) []Column {
	var out []Column
	for _, f := range strings.Fields(spec) {
		name, typ, _ := strings.Cut(f, ":")
		t, ok := types.Lookup(typ)
		if !ok {
			panic("schema: bad type " + typ)
		}
		out = append(out, Column{Name: name, Type: t})
	}
	return out
}

// The Defender XDR email tables. Column order follows Microsoft's reference
// pages; TimeGenerated (Sentinel) comes last.
//
// EmailEvents: the first 39 columns (Timestamp … LatestDeliveryAction) are
// the ones of the advanced-hunting reference page as of 2024
// (MicrosoftDocs/defender-docs, defender-xdr/advanced-hunting-emailevents-table.md,
// ms.date 01/16/2024). The ten after them are the columns Microsoft added
// since, in the order a Sentinel workspace's `EmailEvents | getschema`
// lists them (a workspace snapshot published on GitHub, 2026-09-29; not a
// Microsoft page): ExchangeTransportRule, DistributionList,
// ForwardingInformation, Context, To, Cc, ThreatClassification,
// RecipientDomain, EmailSize, IsFirstContact. The reference page of
// 2026-08-03 (Learn, same path; read from a mirror) has the same ten after
// LatestDeliveryAction too, with DistributionList before
// ExchangeTransportRule. Both put LatestDeliveryLocation/Action before
// the ten, so those keep their positions here. The page differs in
// three types: To and Cc are `string` there (dynamic in Sentinel's
// getschema, and kept dynamic here so mv-expand and indexing work without
// parse_json), IsFirstContact is `int` (1/0) there (bool in Sentinel, kept
// bool here), EmailSize `long` (int in Sentinel; long here). That page also
// lists OriginalThreatTypes, OriginalDetectionMethods,
// OriginalConfidenceLevel and Topics, which Sentinel's copy does not have;
// they are not built in (no corpus rule reads them). Sentinel's copy stores
// AdditionalFields as dynamic; it stays a string here, as in Defender.
// ForwardingInformation is documented as "JSON array of forwarding
// details"; Microsoft's own Sentinel rules read it as one object
// (parse_json(ForwardingInformation).ForwardingType).
//
// The other tables follow the same pages as of 2026-08 (Learn):
// EmailUrlInfo gained UrlChainId and UrlChainPosition (before ReportId),
// EmailPostDeliveryEvents SenderFromAddress, EmailDirection and
// SourceLocation, UrlClickEvents AppName, AppVersion and SourceId (its
// TenantId, Type and SourceSystem are Log Analytics' own columns, left
// out as in the other tables). EmailAttachmentInfo is as on the 2024 page
// (no newer page was found).
var builtin = []*Table{
	{
		Name: "EmailEvents",
		Doc:  "Events involving the processing of emails (Defender for Office 365)",
		Columns: cols(`Timestamp:datetime NetworkMessageId:string InternetMessageId:string
			SenderMailFromAddress:string SenderFromAddress:string SenderDisplayName:string
			SenderObjectId:string SenderMailFromDomain:string SenderFromDomain:string
			SenderIPv4:string SenderIPv6:string RecipientEmailAddress:string
			RecipientObjectId:string Subject:string EmailClusterId:long EmailDirection:string
			DeliveryAction:string DeliveryLocation:string ThreatTypes:string ThreatNames:string
			DetectionMethods:string ConfidenceLevel:string BulkComplaintLevel:int
			EmailAction:string EmailActionPolicy:string EmailActionPolicyGuid:string
			AuthenticationDetails:string AttachmentCount:int UrlCount:int EmailLanguage:string
			Connectors:string OrgLevelAction:string OrgLevelPolicy:string UserLevelAction:string
			UserLevelPolicy:string ReportId:string AdditionalFields:string
			LatestDeliveryLocation:string LatestDeliveryAction:string
			ExchangeTransportRule:string DistributionList:string ForwardingInformation:string
			Context:string To:dynamic Cc:dynamic ThreatClassification:string
			RecipientDomain:string EmailSize:long IsFirstContact:bool
			TimeGenerated:datetime`),
	},
	{
		Name: "EmailAttachmentInfo",
		Doc:  "Attachments on emails",
		Columns: cols(`Timestamp:datetime NetworkMessageId:string SenderFromAddress:string
			SenderDisplayName:string SenderObjectId:string RecipientEmailAddress:string
			RecipientObjectId:string FileName:string FileType:string SHA256:string FileSize:long
			ThreatTypes:string ThreatNames:string DetectionMethods:string ReportId:string
			TimeGenerated:datetime`),
	},
	{
		Name: "EmailUrlInfo",
		Doc:  "URLs in emails and attachments",
		Columns: cols(`Timestamp:datetime NetworkMessageId:string Url:string UrlDomain:string
			UrlLocation:string UrlChainId:string UrlChainPosition:int ReportId:string
			TimeGenerated:datetime`),
	},
	{
		Name: "EmailPostDeliveryEvents",
		Doc:  "Post-delivery actions on emails (ZAP, manual remediation)",
		Columns: cols(`Timestamp:datetime NetworkMessageId:string InternetMessageId:string
			Action:string ActionType:string ActionTrigger:string ActionResult:string
			RecipientEmailAddress:string DeliveryLocation:string ThreatTypes:string
			DetectionMethods:string ReportId:string SenderFromAddress:string EmailDirection:string
			SourceLocation:string TimeGenerated:datetime`),
	},
	{
		Name: "UrlClickEvents",
		Doc:  "Safe Links clicks",
		Columns: cols(`Timestamp:datetime Url:string ActionType:string AccountUpn:string
			Workload:string NetworkMessageId:string ThreatTypes:string DetectionMethods:string
			IPAddress:string IsClickedThrough:bool UrlChain:string ReportId:string
			AppName:string AppVersion:string SourceId:string TimeGenerated:datetime`),
	},

	// Tables of other Defender XDR services that Microsoft's Email &
	// Collaboration hunting queries join with the email tables (10 of the
	// 67 Sentinel email rules read them). quarry does not produce them
	// from logs; they come from Defender exports (`quarry ingest`) or
	// `quarry load`. Columns as on the advanced-hunting reference pages
	// (MicrosoftDocs/defender-docs, defender-xdr/advanced-hunting-<table>-table.md:
	// CloudAppEvents ms.date 03/28/2025, FileMaliciousContentInfo
	// 12/01/2025, EntraIdSignInEvents 11/04/2025), TimeGenerated last.
	{
		Name: "CloudAppEvents",
		Doc:  "Events in Office 365 and other cloud apps (Defender for Cloud Apps)",
		Columns: cols(`Timestamp:datetime ActionType:string Application:string ApplicationId:int
			AppInstanceId:int AccountObjectId:string AccountId:string AccountDisplayName:string
			IsAdminOperation:bool DeviceType:string OSPlatform:string IPAddress:string
			IsAnonymousProxy:bool CountryCode:string City:string Isp:string UserAgent:string
			ActivityType:string ActivityObjects:dynamic ObjectName:string ObjectType:string
			ObjectId:string ReportId:string AccountType:string IsExternalUser:bool
			IsImpersonated:bool IPTags:dynamic IPCategory:string UserAgentTags:dynamic
			RawEventData:dynamic AdditionalFields:dynamic LastSeenForUser:dynamic
			UncommonForUser:dynamic AuditSource:string SessionData:dynamic OAuthAppId:string
			TimeGenerated:datetime`),
	},
	{
		Name: "FileMaliciousContentInfo",
		Doc:  "Malicious files in SharePoint Online, OneDrive and Teams (Defender for Office 365)",
		Columns: cols(`Timestamp:datetime Workload:string FileName:string FolderPath:string
			FileSize:long SHA256:string FileOwnerDisplayName:string FileOwnerUpn:string
			DocumentId:string ThreatTypes:dynamic ThreatNames:string DetectionMethods:string
			LastModifyingAccountUpn:string LastModifiedTime:datetime FileCreationTime:datetime
			ReportId:string TimeGenerated:datetime`),
	},
	{
		Name: "EntraIdSignInEvents",
		Doc:  "Microsoft Entra ID interactive and non-interactive sign-ins",
		Columns: cols(`Timestamp:datetime Application:string ApplicationId:string LogonType:string
			ErrorCode:int CorrelationId:string SessionId:string AccountDisplayName:string
			AccountObjectId:string AccountUpn:string IsExternalUser:int IsGuestUser:bool
			AlternateSignInName:string LastPasswordChangeTimestamp:datetime
			ResourceDisplayName:string ResourceId:string ResourceTenantId:string
			DeviceName:string EntraIdDeviceId:string OSPlatform:string DeviceTrustType:string
			IsManaged:int IsCompliant:int AuthenticationProcessingDetails:string
			AuthenticationRequirement:string TokenIssuerType:int RiskLevelAggregated:int
			RiskDetails:int RiskState:int UserAgent:string ClientAppUsed:string Browser:string
			ConditionalAccessPolicies:string ConditionalAccessStatus:int IPAddress:string
			Country:string State:string City:string Latitude:string Longitude:string
			NetworkLocationDetails:string RequestId:string ReportId:string EndpointCall:string
			IsThroughGlobalSecureAccess:bool UniqueTokenId:string TimeGenerated:datetime`),
	},
}

// later are the columns added to built-in tables after quarry first
// shipped them: a store written by an older quarry has the table without
// them (and otherwise the same columns, in the same order).
var later = map[string][]string{
	"EmailEvents": {"ExchangeTransportRule", "DistributionList", "ForwardingInformation", "Context",
		"To", "Cc", "ThreatClassification", "RecipientDomain", "EmailSize", "IsFirstContact"},
	"EmailUrlInfo":            {"UrlChainId", "UrlChainPosition"},
	"EmailPostDeliveryEvents": {"SenderFromAddress", "EmailDirection", "SourceLocation"},
	"UrlClickEvents":          {"AppName", "AppVersion", "SourceId"},
}

// LaterColumns returns the names of the columns added to built-in table
// name after its first version, which tables made by an older quarry lack.
func LaterColumns(name string) []string {
	return append([]string(nil), later[name]...)
}

var byName = func() map[string]*Table {
	m := make(map[string]*Table, len(builtin))
	for _, t := range builtin {
		m[t.Name] = t
	}
	return m
}()

// Builtin returns the built-in table with the given name.
func Builtin(name string) (*Table, bool) {
	t, ok := byName[name]
	return t, ok
}

// BuiltinTables returns the built-in tables sorted by name.
func BuiltinTables() []*Table {
	out := append([]*Table(nil), builtin...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
