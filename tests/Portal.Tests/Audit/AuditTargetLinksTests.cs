using Portal.Features.Audit;

namespace Portal.Tests.Audit;

/// <summary>Audit targets of a known type link to where the resource lives; anything else stays text.</summary>
public sealed class AuditTargetLinksTests
{
    private const string Config = "0199c0de-0000-7000-8000-000000000001";

    [Theory]
    [InlineData("integrations/crm", "/t/acme/integrations/crm")]
    [InlineData("integrations/crm/mcp", "/t/acme/integrations/crm")]
    [InlineData("integrations/crm/key", "/t/acme/integrations/crm")]
    [InlineData("integrations/crm/configs/" + Config, "/t/acme/integrations/crm/configs/" + Config)]
    [InlineData("integrations/crm/configs/" + Config + "/webhook", "/t/acme/integrations/crm/configs/" + Config)]
    [InlineData("integrations/crm/configs/" + Config + "/revisions/x", "/t/acme/integrations/crm/configs/" + Config)]
    [InlineData("integrations/crm/configs/not-a-guid", "/t/acme/integrations/crm")]
    [InlineData("integrations/a b", "/t/acme/integrations/a%20b")]
    [InlineData("signing-secrets/crm-signing", "/t/acme/signing-secrets")]
    [InlineData("api-clients/ci", "/t/acme/api-clients")]
    [InlineData("members/bob@example.com", "/t/acme/members")]
    [InlineData("tenants/acme", "/tenants")]
    [InlineData("integrations", "/t/acme/integrations")]
    public void A_known_target_links_to_its_page(string target, string href) => Assert.Equal(href, AuditTargetLinks.Href("acme", target));

    [Theory]
    [InlineData("audit")]
    [InlineData("connect/token")]
    [InlineData("")]
    [InlineData("integrations/")]
    [InlineData("javascript:alert(1)")]
    public void An_unknown_target_stays_text(string target) => Assert.Null(AuditTargetLinks.Href("acme", target));
}
