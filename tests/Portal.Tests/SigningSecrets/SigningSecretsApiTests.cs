using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Portal.Tests.Infrastructure;
using static Portal.Tests.SigningSecrets.SigningSecretTestData;

namespace Portal.Tests.SigningSecrets;

/// <summary>The portal's REST routes for named signing secrets: create (token once), list (never the token), rotate, delete.</summary>
public sealed class SigningSecretsApiTests(PortalApplication app) : IClassFixture<PortalApplication>
{
    [Fact]
    public async Task Creating_a_signing_secret_returns_its_name_token_and_createdAt_once()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("create");

        var response = await admin.PostAsJsonAsync(Secrets, new { name });

        var created = await response.ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(new[] { "createdAt", "name", "token" }, created.Select(p => p.Key).Order().ToArray());
        Assert.Equal(name, created["name"]!.GetValue<string>());
        var token = created["token"]!.GetValue<string>();
        Assert.Matches("^whsec_[A-Za-z0-9+/]{43}=$", token);
        Assert.InRange(created["createdAt"]!.GetValue<long>(), DateTimeOffset.UtcNow.AddMinutes(-1).ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.AddMinutes(1).ToUnixTimeMilliseconds());
        Assert.EndsWith($"/signing-secrets/{name}", response.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Equal(new[] { token }, await app.UsableTokensAsync(name));
    }

    [Fact]
    public async Task A_second_secret_with_the_same_name_is_a_409()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("dup");
        var token = await admin.CreateSigningSecretAsync(name);

        await (await admin.PostAsJsonAsync(Secrets, new { name })).ExpectProblemAsync(HttpStatusCode.Conflict);

        Assert.Equal(new[] { token }, await app.UsableTokensAsync(name));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData(".")]
    [InlineData("a/b")]
    public async Task A_name_that_is_not_a_record_key_is_a_field_error(string? name)
    {
        using var admin = await app.ClientAsync();
        await (await admin.PostAsJsonAsync(Secrets, new { name })).ExpectValidationAsync("name");
    }

    [Fact]
    public async Task The_list_shows_name_prefix_and_times_but_never_the_token()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("listed");
        var token = await admin.CreateSigningSecretAsync(name);

        var text = await (await admin.GetAsync($"{Secrets}?take=500")).Content.ReadAsStringAsync();

        var item = JsonNode.Parse(text)!["items"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == name)!.AsObject();
        Assert.Equal(new[] { "createdAt", "keyPrefix", "name", "previousTokens", "rotatedAt" }, item.Select(p => p.Key).Order().ToArray());
        Assert.Equal(token[..14], item["keyPrefix"]!.GetValue<string>());
        Assert.Null(item["rotatedAt"]);
        Assert.DoesNotContain(token, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotation_with_a_grace_period_lists_the_previous_token_by_prefix_until_it_ends()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("graced");
        var old = await admin.CreateSigningSecretAsync(name);
        await (await admin.PostAsJsonAsync($"{Secrets}/{name}:rotate", new { gracePeriodSeconds = 3600 })).ExpectAsync(HttpStatusCode.OK);

        var text = await (await admin.GetAsync($"{Secrets}?take=500")).Content.ReadAsStringAsync();
        var item = JsonNode.Parse(text)!["items"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == name)!;
        var previous = Assert.Single(item["previousTokens"]!.AsArray());
        Assert.Equal(old[..14], previous!["keyPrefix"]!.GetValue<string>());
        var remaining = previous["expiresAt"]!.GetValue<long>() - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.InRange(remaining, 3_000_000, 3_600_000);
        Assert.DoesNotContain(old, text, StringComparison.Ordinal);

        // A rotation without a grace period ends the token it replaces at once: that one is not listed; the first is
        // still in its own grace period and still listed.
        await (await admin.PostAsync($"{Secrets}/{name}:rotate", null)).ExpectAsync(HttpStatusCode.OK);
        var after = JsonNode.Parse(await (await admin.GetAsync($"{Secrets}?take=500")).Content.ReadAsStringAsync())!["items"]!.AsArray()
            .Single(i => i!["name"]!.GetValue<string>() == name)!;
        var listed = after["previousTokens"]!.AsArray().Select(p => p!["keyPrefix"]!.GetValue<string>()).ToList();
        Assert.Equal([old[..14]], listed);
        Assert.NotEqual(item["keyPrefix"]!.GetValue<string>(), after["keyPrefix"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rotating_revokes_the_old_token_now_and_the_list_shows_when()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("rest-rot");
        var old = await admin.CreateSigningSecretAsync(name);

        var rotated = await (await admin.PostAsync($"{Secrets}/{name}:rotate", null)).ExpectAsync(HttpStatusCode.OK);

        var token = rotated["token"]!.GetValue<string>();
        Assert.NotEqual(old, token);
        Assert.Equal(new[] { token }, await app.UsableTokensAsync(name));
        var list = await (await admin.GetAsync($"{Secrets}?take=500")).ExpectAsync(HttpStatusCode.OK);
        var item = list["items"]!.AsArray().Single(i => i!["name"]!.GetValue<string>() == name)!;
        Assert.Equal(rotated["rotatedAt"]!.GetValue<long>(), item["rotatedAt"]!.GetValue<long>());
        Assert.Equal(token[..14], item["keyPrefix"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_grace_period_keeps_the_old_token_usable_beside_the_new_one()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("grace");
        var old = await admin.CreateSigningSecretAsync(name);

        var rotated = await (await admin.PostAsync($"{Secrets}/{name}:rotate?gracePeriodSeconds=3600", null)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(new[] { rotated["token"]!.GetValue<string>(), old }, await app.UsableTokensAsync(name));
        await (await admin.PostAsync($"{Secrets}/{name}:rotate?gracePeriodSeconds=604801", null)).ExpectValidationAsync("gracePeriodSeconds");
    }

    [Fact]
    public async Task A_name_with_a_colon_can_be_rotated_on_the_colon_route()
    {
        using var admin = await app.ClientAsync();
        var name = $"team:{Guid.NewGuid():N}";
        await admin.CreateSigningSecretAsync(name);

        var rotated = await (await admin.PostAsync($"{Secrets}/{name}:rotate", null)).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(name, rotated["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rotating_an_unknown_name_is_a_404()
    {
        using var admin = await app.ClientAsync();
        await (await admin.PostAsync($"{Secrets}/{NewName("nope")}:rotate", null)).ExpectProblemAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Deleting_revokes_the_token_and_the_name_can_be_created_again_with_a_new_one()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("del");
        var old = await admin.CreateSigningSecretAsync(name);

        await (await admin.DeleteAsync($"{Secrets}/{name}")).ExpectAsync(HttpStatusCode.NoContent);

        Assert.Empty(await app.UsableTokensAsync(name));
        await (await admin.PostAsync($"{Secrets}/{name}:rotate", null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        var fresh = await admin.CreateSigningSecretAsync(name);
        Assert.NotEqual(old, fresh);
        Assert.Equal(new[] { fresh }, await app.UsableTokensAsync(name));
    }

    [Fact]
    public async Task A_viewer_can_list_but_not_create_rotate_or_delete()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("ro");
        var token = await admin.CreateSigningSecretAsync(name);
        using var viewer = await app.ClientWithRoleAsync("Viewer");

        await (await viewer.GetAsync(Secrets)).ExpectAsync(HttpStatusCode.OK);
        await (await viewer.PostAsJsonAsync(Secrets, new { name = NewName("ro") })).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.PostAsync($"{Secrets}/{name}:rotate", null)).ExpectProblemAsync(HttpStatusCode.Forbidden);
        await (await viewer.DeleteAsync($"{Secrets}/{name}")).ExpectProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal(new[] { token }, await app.UsableTokensAsync(name));
    }

    [Fact]
    public async Task Another_tenant_neither_sees_nor_rotates_the_secret()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("iso");
        var token = await admin.CreateSigningSecretAsync(name);
        using var other = await app.OtherTenantClientAsync("secrets-other");

        await (await other.PostAsync($"{Secrets}/{name}:rotate", null)).ExpectProblemAsync(HttpStatusCode.NotFound);
        var theirs = await (await other.GetAsync("/v1/tenants/secrets-other/signing-secrets")).ExpectAsync(HttpStatusCode.OK);

        Assert.DoesNotContain(theirs["items"]!.AsArray(), i => i!["name"]!.GetValue<string>() == name);
        Assert.Equal(new[] { token }, await app.UsableTokensAsync(name));
    }

    [Fact]
    public async Task A_retried_create_with_the_same_idempotency_key_returns_the_same_token()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("idem-create");
        async Task<JsonObject> Create()
        {
            var request = new HttpRequestMessage(HttpMethod.Post, Secrets) { Content = JsonContent.Create(new { name }) };
            request.Headers.Add("Idempotency-Key", name);
            return await (await admin.SendAsync(request)).ExpectAsync(HttpStatusCode.Created);
        }

        var first = await Create();
        var replay = await Create();

        Assert.Equal(first["token"]!.GetValue<string>(), replay["token"]!.GetValue<string>());
    }

    [Fact]
    public async Task No_minted_token_reaches_a_log_line()
    {
        using var admin = await app.ClientAsync();
        var name = NewName("logs");
        var tokens = new List<string> { await admin.CreateSigningSecretAsync(name) };
        tokens.Add((await (await admin.PostAsync($"{Secrets}/{name}:rotate", null)).ExpectAsync(HttpStatusCode.OK))["token"]!.GetValue<string>());
        await (await admin.DeleteAsync($"{Secrets}/{name}")).ExpectAsync(HttpStatusCode.NoContent);

        Assert.NotEmpty(app.Logs.Lines);
        Assert.All(tokens, t => Assert.DoesNotContain(t["whsec_".Length..], app.Logs.All, StringComparison.Ordinal));
    }
}

public sealed class SigningSecretResultTests
{
    [Fact]
    public void A_create_or_rotate_result_never_prints_its_token()
    {
        const string token = "whsec_c2VjcmV0LXRoYXQtbXVzdC1ub3QtYmUtcHJpbnRlZA==";
        var created = new Portal.Core.SigningSecrets.SigningSecretCreated { Name = "n", Token = token, CreatedAt = 1 };
        var rotated = new Portal.Core.SigningSecrets.SigningSecretRotated { Name = "n", Token = token, RotatedAt = 1 };
        var key = new Portal.Core.IntegrationKeys.IntegrationKeyRotated { Key = token, KeyPrefix = "integsk_x", IssuedAt = 1 };

        Assert.All(new object[] { created, rotated, key, new Portal.Features.IntegrationKeys.SvixIntegrationKeyOut(token), new Portal.Features.SigningSecrets.XrpcSecretRotateOutput { Name = "n", Token = token, RotatedAt = "t" } },
            r => Assert.DoesNotContain("c2VjcmV0", $"{r}", StringComparison.Ordinal));
    }
}
