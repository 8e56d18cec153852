using System.Text.Json.Nodes;
using AngleSharp.Dom;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Portal.Core.Configs;
using Portal.Core.Integrations;
using Portal.Core.Tenancy;
using Portal.Features.Integrations;
using Portal.Tests.Infrastructure;
using Portal.Tests.Mcp;

namespace Portal.Tests.Components;

/// <summary>
/// The integration dialog's structured editors, driven as a user would (labels, buttons, tabs) against the real Core
/// services: what is typed reaches Core, Core's field errors come back under the right field in words, and the
/// Advanced (JSON) tab round-trips with the forms.
/// </summary>
public sealed class IntegrationEditorTests : PortalComponentTest, IClassFixture<PortalApplication>
{
    private readonly PortalApplication _app;
    private readonly IRenderedComponent<MudPopoverProvider> _popovers;
    private readonly IRenderedComponent<MudDialogProvider> _dialogs;

    public IntegrationEditorTests(PortalApplication app)
    {
        _app = app;
        Context.Services.AddSingleton(app.Services.GetRequiredService<IntegrationService>());
        _popovers = RenderPopoverProvider();
        _dialogs = Context.Render<MudDialogProvider>();
    }

    private static Actor Admin => new(PortalApplication.AdminEmail, ActorKind.User, PortalApplication.Tenant, TenantRole.Admin, null);

    private IntegrationService Integrations => _app.Services.GetRequiredService<IntegrationService>();

    private static string NewId(string prefix) => ApiTestData.NewId(prefix);

    private async Task<IDialogReference> OpenAsync(IntegrationView? existing = null)
    {
        var parameters = new DialogParameters<IntegrationFormDialog> { { d => d.Actor, Admin } };
        if (existing is not null)
        {
            parameters.Add(d => d.Existing, existing);
        }

        var reference = await _dialogs.InvokeAsync(() => Dialogs.ShowAsync<IntegrationFormDialog>(existing is null ? "New integration" : "Edit integration", parameters));
        _dialogs.WaitForAssertion(() => Assert.NotEmpty(_dialogs.FindAll(".mud-tab")));
        return reference;
    }

    private Task TabAsync(string name) =>
        ClickAsync(_dialogs, () => _dialogs.FindAll(".mud-tab").FirstOrDefault(t => t.TextContent.Trim().StartsWith(name, StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"No tab '{name}' in:\n{_dialogs.Markup}"));

    /// <summary>A group of fields (e.g. "Parameter 2"), once it is rendered: an "Add" click renders its group asynchronously, and on a busy machine a moment later.</summary>
    private IElement Group(string name)
    {
        IElement? Find() => _dialogs.FindAll("[role=group]").FirstOrDefault(g => g.GetAttribute("aria-label") == name);
        if (Find() is { } found)
        {
            return found;
        }

        try
        {
            _dialogs.WaitForAssertion(() => Assert.NotNull(Find()), TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
        }

        return Find() ?? throw new Xunit.Sdk.XunitException($"No group '{name}' in:\n{_dialogs.Markup}");
    }

    private IElement Scope(string? group) => group is null ? _dialogs.Find(".mud-dialog") : Group(group);

    /// <summary>The label element of a field (within a group such as "Parameter 1"); its control is found through <c>for</c>.</summary>
    private IElement Label(string? group, string label) =>
        Scope(group).QuerySelectorAll("label").FirstOrDefault(l => l.TextContent.Trim() == label)
        ?? throw new Xunit.Sdk.XunitException($"No field labelled '{label}' in group '{group}':\n{Scope(group).OuterHtml}");

    private IElement Control(string? group, string label)
    {
        var element = Label(group, label);
        return element.GetAttribute("for") is { } id
            ? _dialogs.Find($"#{id}")
            : element.QuerySelector("input") ?? throw new Xunit.Sdk.XunitException($"Label '{label}' has no control.");
    }

    /// <summary>The whole field (control, helper and error text) around a label.</summary>
    private IElement Field(string? group, string label) => Label(group, label).Closest(".mud-input-control") ?? Label(group, label);

    /// <summary>Types into a field the way the browser reports it: "input" for fields that follow each key, else "change".</summary>
    private void Type(string? group, string label, string value)
    {
        try
        {
            Control(group, label).Change(value);
        }
        catch (MissingEventHandlerException)
        {
            Control(group, label).Input(value);
        }
    }

    /// <summary>
    /// Clicks the button once it is rendered: a tab switch renders its panel asynchronously, and on a busy machine (the
    /// PostgreSQL pass of the CI run) the panel's buttons came a moment after <see cref="TabAsync"/> returned.
    /// </summary>
    private Task ClickWhenShownAsync(string buttonOrAriaLabel)
    {
        IElement? Find() => _dialogs.FindAll("button").FirstOrDefault(b => b.GetAttribute("aria-label") == buttonOrAriaLabel || b.TextContent.Trim() == buttonOrAriaLabel);
        try
        {
            _dialogs.WaitForAssertion(() => Assert.NotNull(Find()), TimeSpan.FromSeconds(10));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new Xunit.Sdk.XunitException($"No button '{buttonOrAriaLabel}' in:\n{_dialogs.Markup}");
        }

        return ClickAsync(_dialogs, () => Find()!);
    }

    private async Task ChooseAsync(string group, string label, string item)
    {
        await _dialogs.InvokeAsync(() =>
        {
            var select = Field(group, label).Closest(".mud-select") ?? throw new Xunit.Sdk.XunitException(Scope(group).OuterHtml);
            (select.Matches(".mud-input-control") ? select : select.QuerySelector(".mud-input-control")!).MouseDown();
        });
        _popovers.WaitForElements(".mud-list-item");
        await ClickAsync(_popovers, () => _popovers.FindAll(".mud-list-item").FirstOrDefault(i => i.TextContent.Trim() == item)
            ?? throw new Xunit.Sdk.XunitException($"No option '{item}' in:\n{_popovers.Markup}"));
        _dialogs.WaitForAssertion(() => Assert.Equal(item, Shown(group, label)));
    }

    /// <summary>What a select shows.</summary>
    private string Shown(string group, string label) => Field(group, label).QuerySelector("[role=combobox]")!.TextContent.Trim();

    private async Task<IntegrationView> StoredAsync(string id) => (await Integrations.GetAsync(Admin, id)).Value!;

    private async Task<IntegrationView> CreateAsync(string id, params string[] parameters) =>
        (await Integrations.CreateAsync(Admin, new IntegrationInput
        {
            Id = id, DisplayName = "Editor test",
            ConfigMetadata = new ConfigMetadata
            {
                ParametersMetadata = parameters.Select((p, i) => new ParameterMetadata { Name = p, Index = i }).ToList(),
                AuthMetadata = [new AuthMetadata { Id = "key", Type = AuthType.ApiKey, ParametersMetadata = [new ParameterMetadata { Name = "apiKey", Secret = true }] }],
            },
        })).Value!;

    [Fact]
    public async Task Two_parameters_and_an_oauth_method_added_through_the_forms_reach_core_and_the_secret_is_write_only()
    {
        var id = NewId("editor");
        var dialog = await OpenAsync();
        Type(null, "Id", id);
        Type(null, "Display name", "Made in the editor");

        await TabAsync("Parameters");
        await ClickWhenShownAsync("Add parameter");
        await ClickWhenShownAsync("Add parameter");
        Type("Parameter 1", "Name", "region");
        Type("Parameter 1", "Display name", "Region");
        Type("Parameter 1", "Options", "eu = Europe\nus");
        Type("Parameter 2", "Name", "port");
        await ChooseAsync("Parameter 2", "Type", "Integer");
        Type("Parameter 2", "Integer maximum", "65535");
        Control("Parameter 2", "Required").Change(true);
        _dialogs.WaitForAssertion(() => Assert.True(Control("Parameter 2", "Required").HasAttribute("checked")));

        await TabAsync("Auth methods");
        await ClickWhenShownAsync("Add auth method");
        Type("Auth method 1", "Id", "oauth");
        await ChooseAsync("Auth method 1", "Type", "OAuth 2");
        Type("Auth method 1", "Authorize URL", "https://idp.example/authorize");
        Type("Auth method 1", "Token URL", "https://idp.example/token");
        Type("Auth method 1", "Client id", "portal");
        Type("Auth method 1", "Client secret", "s3cret-typed-once");
        Type("Auth method 1", "Scopes", "read write");
        Assert.Contains("Not set. Write-only", Field("Auth method 1", "Client secret").TextContent, StringComparison.Ordinal);

        await ClickWhenShownAsync("Create");
        var result = await _dialogs.InvokeAsync(() => dialog.Result);

        var saved = Assert.IsType<IntegrationSaved>(result!.Data);
        var stored = await StoredAsync(id);
        Assert.Equal(["region", "port"], stored.ConfigMetadata.ParametersMetadata.Select(p => p.Name));
        Assert.Equal(["eu", "us"], stored.ConfigMetadata.ParametersMetadata[0].Options!.Select(o => o.Value));
        Assert.Equal("Europe", stored.ConfigMetadata.ParametersMetadata[0].Options![0].DisplayName);
        var port = stored.ConfigMetadata.ParametersMetadata[1];
        Assert.Equal((ParameterType.Integer, true, 65535d), (port.Type, port.Required, port.IntegerRange!.Max!.Value));
        var oauth = Assert.Single(stored.ConfigMetadata.AuthMetadata);
        Assert.Equal((AuthType.OAuth2, "oauth"), (oauth.Type, oauth.Id));
        Assert.Equal("https://idp.example/authorize", oauth.AuthSettings.Parameters["authorizationUrl"]!.GetValue<string>());
        Assert.Equal(["read", "write"], oauth.AuthSettings.Parameters["scopes"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.True(oauth.AuthSettings.SecretParameters!["clientSecret"].Set);
        Assert.DoesNotContain("s3cret-typed-once", PortalJsonText(stored), StringComparison.Ordinal);
        Assert.Equal(0, saved.AffectedConfigs);

        // Editing again: the secret is not in the page, the field says it is stored; saving without typing keeps it.
        var again = await OpenAsync(stored);
        await TabAsync("Auth methods");
        Assert.Contains("Stored — leave empty to keep", Field("Auth method 1", "Client secret").TextContent, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret-typed-once", _dialogs.Markup, StringComparison.Ordinal);
        await ClickWhenShownAsync("Save");
        await _dialogs.InvokeAsync(() => again.Result);
        Assert.True((await StoredAsync(id)).ConfigMetadata.AuthMetadata[0].AuthSettings.SecretParameters!["clientSecret"].Set);
    }

    private static string PortalJsonText(IntegrationView view) => Portal.Core.Common.PortalJson.Serialize(view);

    [Fact]
    public async Task A_rule_and_an_auth_map_added_through_the_forms_reach_core()
    {
        var existing = await CreateAsync(NewId("rules"), "baseUrl");
        var dialog = await OpenAsync(existing);
        await TabAsync("Parameters");
        await ClickWhenShownAsync("Add a rule to parameter baseUrl");
        await ChooseAsync("Rules of parameter baseUrl", "Rule 1", "Matches a pattern");
        Type("Rules of parameter baseUrl", "Pattern", "^https://");
        Type("Rules of parameter baseUrl", "Message", "Use https.");
        await TabAsync("Auth methods");
        Control("Auth method 1", "Use an auth map (one credential per key)").Change(true);
        _dialogs.WaitForAssertion(() => Label("Auth method 1", "Key template")); // a checkbox hands its value over asynchronously
        Type("Auth method 1", "Key template", "{{region}}");
        await ClickWhenShownAsync("Add auth map parameter");
        Type("Auth map parameter 1", "Name", "region");

        await ClickWhenShownAsync("Save");
        await _dialogs.InvokeAsync(() => dialog.Result);

        var stored = await StoredAsync(existing.Id);
        var rule = Assert.Single(stored.ConfigMetadata.ParametersMetadata[0].Rules);
        Assert.Equal(("regex", "^https://", "Use https."), (rule.Type, rule.Value!.GetValue<string>(), rule.Message));
        var map = stored.ConfigMetadata.AuthMetadata[0].AuthMap;
        Assert.Equal((true, "{{region}}", "region"), (map.UseMap, map.KeyTemplate, Assert.Single(map.ParametersMetadata).Name));
    }

    [Fact]
    public async Task Parameters_move_up_and_are_removed_in_the_order_shown()
    {
        var existing = await CreateAsync(NewId("order"), "alpha", "beta", "gamma");
        var dialog = await OpenAsync(existing);
        await TabAsync("Parameters");

        await ClickWhenShownAsync("Move parameter gamma up");
        await ClickWhenShownAsync("Remove parameter alpha");
        Assert.Equal("gamma", Control("Parameter 1", "Name").GetAttribute("value"));
        Assert.Equal("beta", Control("Parameter 2", "Name").GetAttribute("value"));
        await ClickWhenShownAsync("Save");
        await _dialogs.InvokeAsync(() => dialog.Result);

        var stored = await StoredAsync(existing.Id);
        Assert.Equal(["gamma", "beta"], stored.ConfigMetadata.ParametersMetadata.Select(p => p.Name));
        Assert.Equal([0, 1], stored.ConfigMetadata.ParametersMetadata.Select(p => p.Index));
    }

    [Fact]
    public async Task A_server_field_error_shows_under_its_field_in_the_labels_words_and_nothing_is_saved()
    {
        var id = NewId("errors");
        await OpenAsync();
        Type(null, "Id", id);
        Type(null, "Display name", "Errors");
        await TabAsync("Parameters");
        await ClickWhenShownAsync("Add parameter");
        Type("Parameter 1", "Name", "port");
        await ChooseAsync("Parameter 1", "Type", "Integer");
        Type("Parameter 1", "Integer minimum", "10");
        Type("Parameter 1", "Integer maximum", "5");
        await TabAsync("Auth methods");
        await ClickWhenShownAsync("Add auth method");
        Type("Auth method 1", "Id", "oauth");
        await ChooseAsync("Auth method 1", "Type", "OAuth 2");
        Type("Auth method 1", "Authorize URL", "not a url");

        await ClickWhenShownAsync("Create");

        _dialogs.WaitForAssertion(() => Assert.Contains("Authorize URL must be an absolute http(s) URL.", Field("Auth method 1", "Authorize URL").TextContent, StringComparison.Ordinal));
        Assert.Contains("Client id", Field("Auth method 1", "Client id").TextContent, StringComparison.Ordinal);
        Assert.Contains("needs a Client id", Field("Auth method 1", "Client id").TextContent, StringComparison.Ordinal);
        await TabAsync("Parameters");
        Assert.Contains("Integer minimum must not exceed Integer maximum.", Field("Parameter 1", "Integer minimum").TextContent, StringComparison.Ordinal);
        var summary = _dialogs.Find("[role=alert]").TextContent;
        Assert.Contains("Auth method 1 › Authorize URL", summary, StringComparison.Ordinal);
        Assert.DoesNotContain("authorizationUrl", _dialogs.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("integerRange", _dialogs.Markup, StringComparison.Ordinal);
        Assert.False((await Integrations.GetAsync(Admin, id)).IsSuccess);
    }

    [Fact]
    public async Task The_json_tab_round_trips_with_the_forms()
    {
        var existing = await CreateAsync(NewId("json"), "region");
        await OpenAsync(existing);

        await TabAsync("Advanced (JSON)");
        var json = _dialogs.Find(".metadata-json textarea");
        Assert.Contains("\"region\"", json.GetAttribute("value") ?? json.TextContent, StringComparison.Ordinal);
        var edited = JsonNode.Parse(json.GetAttribute("value") ?? json.TextContent)!;
        edited["parametersMetadata"]![0]!["name"] = "zone";
        edited["parametersMetadata"]![0]!["type"] = "Boolean";
        _dialogs.Find(".metadata-json textarea").Change(edited.ToJsonString());

        await TabAsync("Parameters");
        _dialogs.WaitForAssertion(() => Assert.Equal("zone", Control("Parameter 1", "Name").GetAttribute("value")));
        Assert.Equal("Boolean", Shown("Parameter 1", "Type"));
        Type("Parameter 1", "Display name", "Zone");

        await TabAsync("Advanced (JSON)");
        var back = JsonNode.Parse(_dialogs.Find(".metadata-json textarea").GetAttribute("value") ?? "")!;
        Assert.Equal("Zone", back["parametersMetadata"]![0]!["displayName"]!.GetValue<string>());
        Assert.Equal("key", back["authMetadata"]![0]!["id"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_json_typo_is_shown_in_words_and_the_text_is_kept()
    {
        var existing = await CreateAsync(NewId("typo"), "region");
        await OpenAsync(existing);
        await TabAsync("Advanced (JSON)");

        const string wrongType = "{\n  \"parametersMetadata\": [\n    { \"name\": \"region\", \"type\": \"Strin\" }\n  ]\n}";
        _dialogs.Find(".metadata-json textarea").Change(wrongType);
        await TabAsync("Parameters");

        _dialogs.WaitForAssertion(() => Assert.Contains("Line 3: Parameter 1 › Type must be one of String, Integer, Float, Boolean or Json", _dialogs.Markup, StringComparison.Ordinal));
        Assert.Equal(wrongType, _dialogs.Find(".metadata-json textarea").GetAttribute("value"));

        const string broken = "{\n  \"parametersMetadata\": [\n    ,\n  ]\n}";
        _dialogs.Find(".metadata-json textarea").Change(broken);
        await ClickWhenShownAsync("Save");
        _dialogs.WaitForAssertion(() => Assert.Contains("Line 3: expected a value", _dialogs.Markup, StringComparison.Ordinal));
        Assert.Equal(broken, _dialogs.Find(".metadata-json textarea").GetAttribute("value"));
        Assert.DoesNotContain("Portal.Core", _dialogs.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("Path: $", _dialogs.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain("BytePositionInLine", _dialogs.Markup, StringComparison.Ordinal);
        Assert.Equal(["region"], (await StoredAsync(existing.Id)).ConfigMetadata.ParametersMetadata.Select(p => p.Name));
    }

    [Fact]
    public async Task An_invalid_id_is_refused_with_a_message_about_what_was_typed_also_after_an_earlier_error()
    {
        var taken = (await CreateAsync(NewId("taken"))).Id;
        await OpenAsync();
        Type(null, "Id", "has space");
        Type(null, "Display name", "Ids");
        await ClickWhenShownAsync("Create");
        _dialogs.WaitForAssertion(() => Assert.Contains("'has space' is not allowed", Field(null, "Id").TextContent, StringComparison.Ordinal));
        Assert.DoesNotContain("required", Field(null, "Id").TextContent, StringComparison.OrdinalIgnoreCase);

        Type(null, "Id", taken);
        await ClickWhenShownAsync("Create");
        _dialogs.WaitForAssertion(() => Assert.Contains("already exists", Field(null, "Id").TextContent, StringComparison.Ordinal));

        Type(null, "Id", "bad/id");
        Assert.DoesNotContain("already exists", Field(null, "Id").TextContent, StringComparison.Ordinal); // stale message gone
        await ClickWhenShownAsync("Create");
        _dialogs.WaitForAssertion(() => Assert.Contains("'bad/id' is not allowed", Field(null, "Id").TextContent, StringComparison.Ordinal));
        Assert.Contains("'bad/id' is not allowed", _dialogs.Find("[role=alert]").TextContent, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Saving_an_edit_keeps_the_tools_and_a_tool_error_shows_under_its_field()
    {
        using var admin = await _app.ClientAsync();
        var (id, _) = await McpTestData.CreateAsync(admin);
        var dialog = await OpenAsync(await StoredAsync(id));
        await TabAsync("MCP tools");
        Assert.Equal("get_item", Control("MCP tool 1", "Id").GetAttribute("value"));

        await ClickWhenShownAsync("Add tool");
        Type("MCP tool 4", "Id", "new_tool");
        Type("MCP tool 4", "Input schema", "{\"type\": \"string\"}");
        await ClickWhenShownAsync("Save");
        _dialogs.WaitForAssertion(() => Assert.Contains("Input schema must describe an object", Field("MCP tool 4", "Input schema").TextContent, StringComparison.Ordinal));
        Assert.Equal(3, (await StoredAsync(id)).Tools.Count);

        await ClickWhenShownAsync("Remove tool new_tool");
        await ClickWhenShownAsync("Save");
        await _dialogs.InvokeAsync(() => dialog.Result);
        Assert.Equal(["get_item", "list_items", "hidden_tool"], (await StoredAsync(id)).Tools.Select(t => t.Id));
    }

    [Fact]
    public async Task Removing_an_auth_method_a_config_uses_asks_first_and_names_the_config()
    {
        var existing = await CreateAsync(NewId("impact"));
        var configs = _app.Services.GetRequiredService<ConfigService>();
        var config = await configs.CreateAsync(Admin, existing.Id, new ConfigInput
        {
            DisplayName = "Keyed config",
            Auth = new AuthInput { AuthMetadataId = "key", Parameters = new() { ["apiKey"] = "k-1" } },
        });
        Assert.True(config.IsSuccess, config.Error?.Describe());
        var dialog = await OpenAsync(existing);
        await TabAsync("Auth methods");

        await ClickWhenShownAsync("Remove auth method key");
        var save = ClickWhenShownAsync("Save"); // its handler waits for the confirmation

        _dialogs.WaitForAssertion(() => Assert.Contains("Keyed config", _dialogs.Find("#confirm-message").TextContent, StringComparison.Ordinal));
        Assert.Contains("Auth method 'key' is removed.", _dialogs.Find("#confirm-message").TextContent, StringComparison.Ordinal);
        Assert.Single((await StoredAsync(existing.Id)).ConfigMetadata.AuthMetadata); // nothing saved yet
        await ClickAsync(_dialogs, "#confirm-yes");
        await save;

        var result = await _dialogs.InvokeAsync(() => dialog.Result);
        var saved = Assert.IsType<IntegrationSaved>(result!.Data);
        Assert.Equal(1, saved.AffectedConfigs);
        Assert.Contains("1 config was affected", saved.Message(created: false), StringComparison.Ordinal);
        Assert.Empty((await StoredAsync(existing.Id)).ConfigMetadata.AuthMetadata);
    }
}
