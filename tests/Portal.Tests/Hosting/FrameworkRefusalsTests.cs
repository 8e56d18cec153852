using System.Net;
using System.Text;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Hosting;

/// <summary>Requests refused before an endpoint runs (routing, binding, body limits) still answer ProblemDetails.</summary>
public sealed class FrameworkRefusalsTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    private const string Integrations = "/v1/tenants/default/integrations";

    [Fact]
    public async Task A_non_ascii_content_type_is_a_415_problem()
    {
        using var http = await app.ClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, Integrations) { Content = new ByteArrayContent("{}"u8.ToArray()) };
        request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/jé son");
        var problem = await (await http.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.UnsupportedMediaType);
        Assert.Contains("Content-Type", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_oversized_idempotency_key_is_a_400_problem_and_nothing_is_minted()
    {
        using var http = await app.ClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tenants/default/signing-secrets")
        {
            Content = new StringContent("""{"name":"idem-too-long"}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", new string('k', 5000));
        var problem = await (await http.SendAsync(request)).ExpectProblemAsync(HttpStatusCode.BadRequest);
        Assert.Contains("Idempotency-Key", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        var list = await (await http.GetAsync("/v1/tenants/default/signing-secrets")).Content.ReadAsStringAsync();
        Assert.DoesNotContain("idem-too-long", list, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_api_route_and_a_wrong_verb_are_problems()
    {
        using var http = await app.ClientAsync();
        await (await http.GetAsync("/v1/tenants/default/no-such-thing")).ExpectProblemAsync(HttpStatusCode.NotFound);
        var wrongVerb = await (await http.PutAsync("/v1/tenants/default/audit", new StringContent("{}", Encoding.UTF8, "application/json"))).ExpectProblemAsync(HttpStatusCode.MethodNotAllowed);
        Assert.Contains("PUT", wrongVerb["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }
}
