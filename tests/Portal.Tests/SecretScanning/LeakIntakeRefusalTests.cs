using System.Net;
using System.Security.Cryptography;
using System.Text;
using Portal.Tests.Infrastructure;
using Portal.Tests.Webhooks;

namespace Portal.Tests.SecretScanning;

/// <summary>
/// "Bad input: Unsigned, wrongly signed, or replayed-with-altered-body reports → 401, nothing revoked. Unknown key
/// identifier → 401." Each test reports a live webhook key and proves it still works afterwards.
/// </summary>
public sealed class LeakIntakeRefusalTests(SecretScanningPortal portal) : IClassFixture<SecretScanningPortal>
{
    private PortalApplication App => portal.App;

    [Fact]
    public async Task An_unsigned_report_is_401_and_revokes_nothing()
    {
        var (url, key) = await LiveKeyAsync();

        using var response = await portal.ReportAsync(SecretScanningPortal.Body(key), keyIdentifier: null, sign: false);

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("Github-Public-Key-Signature", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await StillWorksAsync(url, key);
    }

    [Fact]
    public async Task A_report_with_an_identifier_but_no_signature_is_401()
    {
        var (url, key) = await LiveKeyAsync();

        using var response = await portal.ReportAsync(SecretScanningPortal.Body(key), sign: false);

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await StillWorksAsync(url, key);
    }

    [Fact]
    public async Task A_report_signed_by_another_key_is_401_and_revokes_nothing()
    {
        var (url, key) = await LiveKeyAsync();
        using var impostor = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var body = Encoding.UTF8.GetBytes(SecretScanningPortal.Body(key));

        using var response = await portal.ReportAsync(body, signature: SecretScanningPortal.Sign(impostor, body));

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("does not verify", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await StillWorksAsync(url, key);
    }

    [Fact]
    public async Task A_replayed_signature_over_an_altered_body_is_401_and_revokes_nothing()
    {
        var (url, key) = await LiveKeyAsync();
        var original = Encoding.UTF8.GetBytes(SecretScanningPortal.Body("ghp_harmless-token-of-someone-else"));
        var signature = SecretScanningPortal.Sign(portal.Signer, original);
        await SecretScanningPortal.LabelsAsync(await portal.ReportAsync(original, signature: signature)); // the genuine report is taken

        using var response = await portal.ReportAsync(Encoding.UTF8.GetBytes(SecretScanningPortal.Body(key)), signature: signature);

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await StillWorksAsync(url, key);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("AAAA")]
    [InlineData("")]
    public async Task A_garbled_signature_is_401(string signature)
    {
        var (url, key) = await LiveKeyAsync();

        using var response = await portal.ReportAsync(SecretScanningPortal.Body(key), signature: signature, sign: signature.Length > 0);

        await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        await StillWorksAsync(url, key);
    }

    [Fact]
    public async Task An_unknown_key_identifier_is_401_and_revokes_nothing()
    {
        var (url, key) = await LiveKeyAsync();

        using var response = await portal.ReportAsync(SecretScanningPortal.Body(key), keyIdentifier: "some-other-key");

        var problem = await response.ExpectProblemAsync(HttpStatusCode.Unauthorized);
        Assert.Contains("Github-Public-Key-Identifier", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        await StillWorksAsync(url, key);
    }

    [Fact]
    public async Task A_report_larger_than_4_MiB_is_413()
    {
        var body = new byte[(4 * 1024 * 1024) + 1];
        Array.Fill(body, (byte)' ');

        using var response = await portal.ReportAsync(body);

        await response.ExpectProblemAsync(HttpStatusCode.RequestEntityTooLarge);
    }

    private async Task<(string Url, string Key)> LiveKeyAsync()
    {
        using var admin = await App.ClientAsync();
        var (integration, config) = await admin.NewConfigAsync();
        var url = await admin.GeneratedUrlAsync(integration, config);
        return (url, WebhookApi.KeyOf(url));
    }

    /// <summary>"nothing revoked": the key still takes deliveries and is not flagged leaked.</summary>
    private async Task StillWorksAsync(string url, string key)
    {
        using (var http = App.CreateClient())
        {
            using var delivery = await http.PostAsync(new Uri(url).PathAndQuery, new StringContent("""{"event":"ping"}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, delivery.StatusCode);
        }

        using var admin = await App.ClientAsync();
        var leaked = await (await admin.GetAsync($"{ApiTestData.Base}/keys?status=leaked")).ExpectAsync(HttpStatusCode.OK);
        Assert.DoesNotContain(leaked["items"]!.AsArray(), k => k!["keyPrefix"]!.GetValue<string>() == key[..12]);
    }
}
