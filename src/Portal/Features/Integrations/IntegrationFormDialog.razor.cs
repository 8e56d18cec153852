using System.Text.Json;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Components.Shared;
using Portal.Core.Common;
using Portal.Core.Integrations;
using Portal.Core.Tenancy;

namespace Portal.Features.Integrations;

/// <summary>What the integration dialog closes with: the saved integration and how many configs the edit affected.</summary>
public sealed record IntegrationSaved(IntegrationView Integration, int AffectedConfigs)
{
    /// <summary>The success message, with the number of configs that use what the edit changed.</summary>
    public string Message(bool created) =>
        created ? $"Integration '{Integration.DisplayName}' created."
        : AffectedConfigs switch
        {
            0 => "Integration saved. No config was affected.",
            1 => "Integration saved. 1 config was affected: review it.",
            var n => $"Integration saved. {n} configs were affected: review them.",
        };
}

public partial class IntegrationFormDialog
{
    private const int JsonTab = 4;
    private static readonly JsonSerializerOptions Indented = new(PortalJson.Options) { WriteIndented = true };
    private static readonly string[] DetailKeys = ["id", "displayName", "description", "tags", "type", "isInternal", "webhookOwnership", "integration"];

    [CascadingParameter] private IMudDialogInstance Dialog { get; set; } = default!;
    [Inject] private IntegrationService Integrations { get; set; } = default!;
    [Inject] private IDialogService Dialogs { get; set; } = default!;
    [Parameter] public Actor? Actor { get; set; }
    [Parameter] public IntegrationView? Existing { get; set; }

    private readonly EditorSession _session = new();
    private int _tab;
    private string? _id, _displayName, _description, _tags, _metadataJson, _toolsJson, _metadataJsonError, _toolsJsonError;
    private IntegrationType _type;
    private WebhookOwnership _ownership;
    private bool _internal, _saving;
    private ConfigMetadata _metadata = new();
    private List<IntegrationTool> _tools = [];
    private List<string> _summary = [];
    private string _summaryTitle = "";

    private EditorErrors Errors { get; set; } = EditorErrors.None;

    private int DetailsErrors => Errors.All.Where(e => DetailKeys.Contains(e.Key) || !(e.Key.StartsWith("configMetadata", StringComparison.Ordinal) || e.Key.StartsWith("tools", StringComparison.Ordinal))).Sum(e => e.Value.Length);

    private static object? Badge(int count) => count > 0 ? count : null;

    protected override void OnInitialized()
    {
        var e = Existing;
        _id = e?.Id;
        _displayName = e?.DisplayName;
        _description = e?.Description;
        _tags = e is null ? null : string.Join(", ", e.Tags);
        _type = e?.Type ?? IntegrationType.Custom;
        _ownership = e?.WebhookOwnership ?? WebhookOwnership.Config;
        _internal = e?.IsInternal ?? false;
        _metadata = PortalJson.Deserialize<ConfigMetadata>(PortalJson.Serialize(e?.ConfigMetadata ?? new ConfigMetadata()));
        _tools = PortalJson.Deserialize<List<IntegrationTool>>(PortalJson.Serialize(e?.Tools ?? []));
    }

    /// <summary>A new id makes an error about the previous one stale: it no longer says what is in the field.</summary>
    private void IdChanged(string? id)
    {
        _id = id;
        if (Errors.All.ContainsKey("id"))
        {
            ShowErrors(new EditorErrors(Errors.All.Where(e => e.Key != "id").ToDictionary(e => e.Key, e => e.Value)));
        }
    }

    private void TabChanged(int index) => _tab = index;

    /// <summary>Leaving the JSON tab reads it into the forms (a text that does not parse keeps the tab open); entering it writes the forms out.</summary>
    private Task BeforeTabChangeAsync(TabInteractionEventArgs args)
    {
        if (args.PanelIndex == _tab)
        {
            return Task.CompletedTask;
        }

        if (_tab == JsonTab && !ReadJson())
        {
            args.Cancel = true;
            Summarize("The JSON cannot be read; fix it or undo the change first:", JsonProblems());
            return Task.CompletedTask;
        }

        if (_tab != JsonTab && _session.HasLocalProblems)
        {
            args.Cancel = true;
            Summarize("Fix these first:", _session.LocalProblems);
            return Task.CompletedTask;
        }

        if (args.PanelIndex == JsonTab)
        {
            WriteJson();
        }

        Summarize("Not saved:", Errors.Lines());
        return Task.CompletedTask;
    }

    private void WriteJson()
    {
        _metadataJson = JsonSerializer.Serialize(_metadata, Indented);
        _toolsJson = JsonSerializer.Serialize(_tools, Indented);
        _metadataJsonError = _toolsJsonError = null;
    }

    private bool ReadJson()
    {
        var metadata = Parse<ConfigMetadata>(_metadataJson, "", out _metadataJsonError) ?? new ConfigMetadata();
        var tools = Parse<List<IntegrationTool>>(_toolsJson, "tools", out _toolsJsonError) ?? [];
        _metadataJsonError ??= NullEntries(metadata);
        _toolsJsonError ??= tools.IndexOf(null!) is >= 0 and var t ? $"MCP tool {t + 1} is null: remove it or make it an object." : null;
        if (_metadataJsonError is not null || _toolsJsonError is not null)
        {
            return false;
        }

        _metadata = metadata;
        _tools = tools;
        _session.Clear();
        return true;
    }

    private IEnumerable<string> JsonProblems() =>
        new[] { ("Config metadata (JSON)", _metadataJsonError), ("Tools (JSON)", _toolsJsonError) }.Where(p => p.Item2 is not null).Select(p => $"{p.Item1}: {p.Item2}");

    private static T? Parse<T>(string? text, string root, out string? problem)
        where T : class
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(text, PortalJson.Options);
        }
        catch (JsonException ex)
        {
            problem = EditorErrors.JsonProblem(ex, root);
            return null;
        }
    }

    /// <summary>A null in a list the forms show (Core refuses them too; the forms cannot show them).</summary>
    private static string? NullEntries(ConfigMetadata metadata)
    {
        static string? In(List<ParameterMetadata> list, string where) =>
            list.IndexOf(null!) is >= 0 and var i ? $"{where}parameter {i + 1} is null: remove it or make it an object." : null;

        return In(metadata.ParametersMetadata, "")
            ?? (metadata.AuthMetadata.IndexOf(null!) is >= 0 and var a ? $"Auth method {a + 1} is null: remove it or make it an object." : null)
            ?? metadata.AuthMetadata.Select((m, i) => In(m.ParametersMetadata, $"Auth method {i + 1}, ") ?? In(m.AuthMap.ParametersMetadata, $"Auth method {i + 1}, auth map ")).FirstOrDefault(p => p is not null);
    }

    private async Task SaveAsync()
    {
        if (_tab == JsonTab && !ReadJson())
        {
            Summarize("Not saved: the JSON cannot be read.", JsonProblems());
            return;
        }

        if (_session.HasLocalProblems)
        {
            Summarize("Not saved: fix these first.", _session.LocalProblems);
            return;
        }

        var input = new IntegrationInput
        {
            Id = _id?.Trim(),
            DisplayName = _displayName?.Trim(),
            Description = string.IsNullOrWhiteSpace(_description) ? null : _description,
            Type = _type,
            WebhookOwnership = _ownership,
            IsInternal = _internal,
            ConfigMetadata = PortalJson.Deserialize<ConfigMetadata>(PortalJson.Serialize(_metadata)),
            Tools = PortalJson.Deserialize<List<IntegrationTool>>(PortalJson.Serialize(_tools)),
            Tags = (_tags ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
        };
        var affected = 0;
        if (Existing is not null)
        {
            var impact = await Integrations.ImpactAsync(Actor!, Existing.Id, input);
            if (!impact.IsSuccess)
            {
                Refused(impact.Error!);
                return;
            }

            // The confirmation takes the focus (on its Cancel): nothing in this dialog changes while it is open.
            affected = impact.Value!.Affected.Count;
            if (affected > 0 && await Dialogs.ConfirmAsync("Configs use what this edit changes", ImpactMessage(impact.Value.Affected), yesText: "Save anyway") != true)
            {
                return;
            }
        }

        _saving = true;
        try
        {
            var result = Existing is null
                ? await Integrations.CreateAsync(Actor!, input)
                : await Integrations.UpdateAsync(Actor!, Existing.Id, input, merge: false);
            if (result.IsSuccess)
            {
                Dialog.Close(DialogResult.Ok(new IntegrationSaved(result.Value!, affected)));
                return;
            }

            Refused(result.Error!);
        }
        finally
        {
            _saving = false;
        }
    }

    private static string ImpactMessage(IReadOnlyList<AffectedConfig> affected) =>
        $"{(affected.Count == 1 ? "1 config uses" : $"{affected.Count} configs use")} what this edit removes or changes:\n"
        + string.Join("\n", affected.Select(a => $"• {a.DisplayName}: {string.Join(" ", a.Changes)}"))
        + "\nThey keep their values but stop working with this integration until they are edited. Save anyway?";

    /// <summary>Core's refusal: every field error next to its field and in the summary, so no refusal goes unseen.</summary>
    private void Refused(Error error)
    {
        var errors = error.Errors is { Count: > 0 } fields
            ? fields
            : new Dictionary<string, string[]> { [error.Kind == ErrorKind.Conflict ? "id" : "integration"] = [error.Detail] };
        ShowErrors(new EditorErrors(errors));
        if (_tab != JsonTab && Errors.Any && TabOf(Errors.All.Keys.First()) is var first && !Errors.All.Keys.Any(k => TabOf(k) == _tab))
        {
            _tab = first; // show the first field in error
        }
    }

    private void ShowErrors(EditorErrors errors)
    {
        Errors = errors;
        Summarize("Not saved:", Errors.Lines());
    }

    private void Summarize(string title, IEnumerable<string> lines)
    {
        _summaryTitle = title;
        _summary = lines.ToList();
    }

    private static int TabOf(string key) =>
        key.StartsWith("configMetadata.parametersMetadata", StringComparison.Ordinal) ? 1
        : key.StartsWith("configMetadata", StringComparison.Ordinal) ? 2
        : key.StartsWith("tools", StringComparison.Ordinal) ? 3
        : 0;
}
