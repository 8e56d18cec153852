using System.Text.Json;
using System.Text.Json.Nodes;
using AngleSharp.Dom;
using Bunit;
using Portal.Components.Shared;
using Portal.Core.Integrations;
using Portal.Tests.Infrastructure;

namespace Portal.Tests.Components;

public sealed class ParameterFieldsTests : PortalComponentTest
{
    private readonly Dictionary<string, JsonNode?> _values = new();
    private readonly Dictionary<string, JsonNode?> _secretChanges = new();

    private IRenderedComponent<ParameterFields> RenderFields(
        IEnumerable<ParameterMetadata> metadata,
        Dictionary<string, SecretState>? secrets = null,
        Dictionary<string, string[]>? serverErrors = null) =>
        Render<ParameterFields>(p => p
            .Add(x => x.Metadata, metadata.ToList())
            .Add(x => x.Values, _values)
            .Add(x => x.SecretChanges, _secretChanges)
            .Add(x => x.Secrets, secrets ?? new Dictionary<string, SecretState>())
            .Add(x => x.ServerErrors, serverErrors));

    private IRenderedComponent<ParameterFields> RenderFields(params ParameterMetadata[] metadata) => RenderFields(metadata, null, null);

    /// <summary>The form control a user reaches through its visible label.</summary>
    private static IElement InputLabelled(IRenderedComponent<ParameterFields> fields, string label)
    {
        var element = LabelElement(fields, label);
        return element.GetAttribute("for") is { } id
            ? fields.Find($"#{id}")
            : element.QuerySelector("input") ?? throw new Xunit.Sdk.XunitException($"Label '{label}' has no control.");
    }

    /// <summary>The whole field (control, helper text, error text) around the label.</summary>
    private static IElement FieldLabelled(IRenderedComponent<ParameterFields> fields, string label) =>
        LabelElement(fields, label).Closest(".mud-input-control")!;

    private static IElement LabelElement(IRenderedComponent<ParameterFields> fields, string label) =>
        fields.FindAll("label").SingleOrDefault(l => l.TextContent.Trim() == label)
        ?? throw new Xunit.Sdk.XunitException($"No field labelled '{label}' in:\n{fields.Markup}");

    [Fact]
    public void A_string_parameter_is_a_text_field_labelled_with_its_display_name_or_its_name()
    {
        var fields = RenderFields(
            new ParameterMetadata { Name = "host", DisplayName = "Host name", Index = 0 },
            new ParameterMetadata { Name = "path", Index = 1 });

        var host = InputLabelled(fields, "Host name");
        Assert.Equal("INPUT", host.TagName);
        Assert.Equal("text", host.GetAttribute("type"));
        Assert.Equal("text", InputLabelled(fields, "path").GetAttribute("type"));
        Assert.DoesNotContain(fields.FindAll("label"), l => l.TextContent.Trim() == "host");

        host.Change("api.example.org");

        Assert.Equal("api.example.org", _values["host"]!.GetValue<string>());
    }

    [Fact]
    public void An_integer_outside_its_range_is_reported_and_still_handed_over_as_a_number()
    {
        var fields = RenderFields(new ParameterMetadata
        {
            Name = "port", DisplayName = "Port", Type = ParameterType.Integer, IntegerRange = new NumberRange { Min = 1, Max = 65535 },
        });
        var port = InputLabelled(fields, "Port");
        Assert.Equal("number", port.GetAttribute("type"));
        Assert.DoesNotContain("must be at most", fields.Markup);

        port.Change("70000");

        Assert.Contains("Port must be at most 65535.", FieldLabelled(fields, "Port").TextContent);
        Assert.Equal(JsonValueKind.Number, _values["port"]!.GetValueKind());
        Assert.Equal(70000L, _values["port"]!.GetValue<long>());
        Assert.True(fields.Instance.HasErrors);

        InputLabelled(fields, "Port").Change("8080");

        Assert.DoesNotContain("must be at most", fields.Markup);
        Assert.Equal(8080L, _values["port"]!.GetValue<long>());
        Assert.False(fields.Instance.HasErrors);
    }

    [Fact]
    public async Task A_string_with_options_is_a_select_that_shows_display_names_and_hands_over_the_value()
    {
        var popovers = RenderPopoverProvider();
        _values["region"] = JsonValue.Create("us");
        var fields = RenderFields(new ParameterMetadata
        {
            Name = "region", DisplayName = "Region",
            Options = [new ParameterOption { Value = "eu", DisplayName = "Europe" }, new ParameterOption { Value = "us", DisplayName = "United States" }],
        });
        var region = InputLabelled(fields, "Region");
        Assert.Equal("combobox", region.GetAttribute("role"));
        Assert.Equal("listbox", region.GetAttribute("aria-haspopup"));
        Assert.True(region.HasAttribute("readonly")); // no free text
        Assert.Equal("United States", region.GetAttribute("value"));

        await fields.InvokeAsync(() => fields.Find(".mud-select .mud-input-control").MouseDown());
        var items = popovers.WaitForElements(".mud-list-item");
        Assert.Equal(["Europe", "United States"], items.Select(i => i.TextContent.Trim()));
        await ClickAsync(popovers, () => popovers.FindAll(".mud-list-item").Single(i => i.TextContent.Trim() == "Europe"));

        // MudSelect hands the value over after closing its popover, asynchronously.
        fields.WaitForAssertion(() => Assert.Equal("Europe", InputLabelled(fields, "Region").GetAttribute("value")));
        Assert.Equal("eu", _values["region"]!.GetValue<string>());
    }

    [Fact]
    public void A_boolean_is_a_switch_that_shows_the_current_value_and_hands_over_the_new_one()
    {
        _values["verbose"] = JsonValue.Create(true);
        var fields = RenderFields(
            new ParameterMetadata { Name = "enabled", DisplayName = "Enabled", Type = ParameterType.Boolean, Index = 0 },
            new ParameterMetadata { Name = "verbose", DisplayName = "Verbose", Type = ParameterType.Boolean, Index = 1 });
        var enabled = InputLabelled(fields, "Enabled");
        Assert.Equal("switch", enabled.GetAttribute("role"));
        Assert.Equal("checkbox", enabled.GetAttribute("type"));
        Assert.Equal("false", enabled.GetAttribute("aria-checked"));
        Assert.Equal("true", InputLabelled(fields, "Verbose").GetAttribute("aria-checked"));

        enabled.Change(true);
        InputLabelled(fields, "Verbose").Change(false);

        Assert.Equal(JsonValueKind.True, _values["enabled"]!.GetValueKind());
        Assert.Equal(JsonValueKind.False, _values["verbose"]!.GetValueKind());
        Assert.Equal("true", InputLabelled(fields, "Enabled").GetAttribute("aria-checked"));
    }

    [Fact]
    public void A_stored_secret_is_a_password_field_that_only_says_it_is_set()
    {
        var fields = RenderFields(
            [new ParameterMetadata { Name = "token", DisplayName = "API token", Secret = true }],
            new Dictionary<string, SecretState> { ["token"] = new(true) });

        var token = InputLabelled(fields, "API token");
        Assert.Equal("password", token.GetAttribute("type"));
        Assert.True(string.IsNullOrEmpty(token.GetAttribute("value")));
        Assert.Contains("Set (write-only)", FieldLabelled(fields, "API token").TextContent);
        Assert.DoesNotContain("Not set", fields.Markup);
        Assert.Single(fields.FindAll("button"), b => b.TextContent.Trim() == "Clear");
    }

    [Fact]
    public void A_secret_without_a_stored_value_says_not_set_and_offers_no_clear()
    {
        var fields = RenderFields(
            [new ParameterMetadata { Name = "token", DisplayName = "API token", Secret = true }],
            new Dictionary<string, SecretState> { ["token"] = new(false) });

        Assert.Equal("password", InputLabelled(fields, "API token").GetAttribute("type"));
        Assert.Contains("Not set", FieldLabelled(fields, "API token").TextContent);
        Assert.DoesNotContain("Set (write-only)", fields.Markup);
        Assert.DoesNotContain(fields.FindAll("button"), b => b.TextContent.Trim() == "Clear");
    }

    [Fact]
    public void A_typed_secret_goes_to_secret_changes_and_not_to_values()
    {
        var fields = RenderFields(
            [new ParameterMetadata { Name = "token", DisplayName = "API token", Secret = true }],
            new Dictionary<string, SecretState> { ["token"] = new(true) });

        InputLabelled(fields, "API token").Change("n3w-t0ken");

        Assert.Equal("n3w-t0ken", _secretChanges["token"]!.GetValue<string>());
        Assert.False(_values.ContainsKey("token"));
        Assert.Equal("password", InputLabelled(fields, "API token").GetAttribute("type"));
    }

    [Fact]
    public async Task Clear_marks_the_secret_for_removal_and_says_so()
    {
        var fields = RenderFields(
            [new ParameterMetadata { Name = "token", DisplayName = "API token", Secret = true }],
            new Dictionary<string, SecretState> { ["token"] = new(true) });
        Assert.DoesNotContain("Will be cleared on save.", fields.Markup);

        await ClickButtonAsync(fields, "Clear");

        Assert.True(_secretChanges.TryGetValue("token", out var change));
        Assert.Null(change);
        Assert.False(_values.ContainsKey("token"));
        Assert.Contains("Will be cleared on save.", FieldLabelled(fields, "API token").TextContent);
        Assert.DoesNotContain(fields.FindAll("button"), b => b.TextContent.Trim() == "Clear");
    }

    [Fact]
    public void Invalid_json_is_reported_and_valid_json_is_handed_over_parsed()
    {
        var fields = RenderFields(new ParameterMetadata { Name = "mapping", DisplayName = "Mapping", Type = ParameterType.Json });
        Assert.Equal("TEXTAREA", InputLabelled(fields, "Mapping").TagName);

        InputLabelled(fields, "Mapping").Change("{\"a\": ");

        Assert.Contains("Not valid JSON.", FieldLabelled(fields, "Mapping").TextContent);
        Assert.False(_values.ContainsKey("mapping"));
        Assert.True(fields.Instance.HasErrors);

        InputLabelled(fields, "Mapping").Change("{\"a\": 1}");

        Assert.DoesNotContain("Not valid JSON.", fields.Markup);
        Assert.Equal(1, _values["mapping"]!["a"]!.GetValue<int>());
    }

    [Fact]
    public void A_duplicate_key_is_invalid_json_and_a_document_nested_too_deep_is_named()
    {
        var fields = RenderFields(new ParameterMetadata { Name = "mapping", DisplayName = "Mapping", Type = ParameterType.Json });

        InputLabelled(fields, "Mapping").Change("{\"a\": 1, \"a\": 2}");
        Assert.Contains("Not valid JSON.", FieldLabelled(fields, "Mapping").TextContent);
        Assert.False(_values.ContainsKey("mapping"));

        InputLabelled(fields, "Mapping").Change(new string('[', 40) + new string(']', 40));
        Assert.Contains("nested more than 32 levels", FieldLabelled(fields, "Mapping").TextContent);
    }

    [Fact]
    public void Server_errors_are_shown_next_to_their_field()
    {
        var fields = RenderFields(
            [
                new ParameterMetadata { Name = "host", DisplayName = "Host", Index = 0 },
                new ParameterMetadata { Name = "path", DisplayName = "Path", Index = 1 },
            ],
            serverErrors: new Dictionary<string, string[]> { ["parameters.host"] = ["Host is not reachable."] });

        Assert.Contains("Host is not reachable.", FieldLabelled(fields, "Host").TextContent);
        Assert.Equal("true", InputLabelled(fields, "Host").GetAttribute("aria-invalid"));
        Assert.DoesNotContain("Host is not reachable.", FieldLabelled(fields, "Path").TextContent);
        Assert.Equal("false", InputLabelled(fields, "Path").GetAttribute("aria-invalid"));
    }
}
