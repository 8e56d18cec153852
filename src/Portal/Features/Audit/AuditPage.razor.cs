using System.Globalization;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.Audit;
using Portal.Core.Common;

namespace Portal.Features.Audit;

/// <summary>
/// The audit log with its filters in the URL (<c>?action=&amp;actor=&amp;target=&amp;from=&amp;to=</c>: a reload or a shared link
/// keeps them), read with the API's own rules, and an "Export CSV" link to <c>GET …/audit:export</c> with the same filters.
/// </summary>
public sealed partial class AuditPage
{
    [Inject] private AuditService Audit { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "action")] public string? Action { get; set; }
    [SupplyParameterFromQuery(Name = "actor")] public string? ActorName { get; set; }
    [SupplyParameterFromQuery(Name = "target")] public string? Target { get; set; }
    [SupplyParameterFromQuery(Name = "from")] public string? From { get; set; }
    [SupplyParameterFromQuery(Name = "to")] public string? To { get; set; }

    private static readonly Dictionary<string, string> QueryNames = new()
    {
        [nameof(Action)] = "action", [nameof(ActorName)] = "actor", [nameof(Target)] = "target", [nameof(From)] = "from", [nameof(To)] = "to",
    };

    private MudDataGrid<AuditEventView>? _grid;
    private AuditQuery _query = new();
    private string? _filterError;

    protected override async Task LoadAsync()
    {
        var parsed = AuditQuery.Parse(Action, Target, ActorName, From, To);
        _filterError = parsed.IsSuccess ? null : $"{parsed.Error!.Describe()} The log is shown without filters.";
        var query = parsed.IsSuccess ? parsed.Value.Query : new AuditQuery();
        var changed = query != _query;
        _query = query;
        if (changed && _grid is not null)
        {
            await _grid.ReloadServerData();
        }
    }

    private async Task<GridData<AuditEventView>> LoadPageAsync(GridState<AuditEventView> state, CancellationToken ct)
    {
        if (Actor is null)
        {
            return new GridData<AuditEventView> { Items = [], TotalItems = 0 };
        }

        var page = await Audit.ListAsync(Actor, _query, Paging.From(state.Page * state.PageSize, state.PageSize), ct);
        return new GridData<AuditEventView> { Items = page.Items, TotalItems = page.Total };
    }

    /// <summary>Puts one filter in the URL; the page reads every filter back from there (<see cref="LoadAsync"/>).</summary>
    private void Filter(string name, string? value)
    {
        var text = string.IsNullOrWhiteSpace(value) ? null : value.Trim();
        if (name is nameof(From) or nameof(To) && ListFilters.ParseInstant(text) is { } ms)
        {
            text = ListFilters.FormatInstant(ms);
        }

        Navigation.NavigateTo(Navigation.GetUriWithQueryParameter(QueryNames[name], text), replace: true);
    }

    /// <summary>The export route with the filters as they are in the URL.</summary>
    private string ExportUrl
    {
        get
        {
            var filters = new Dictionary<string, string?> { ["action"] = Action, ["actor"] = ActorName, ["target"] = Target, ["from"] = From, ["to"] = To }
                .Where(f => !string.IsNullOrWhiteSpace(f.Value))
                .Select(f => $"{f.Key}={Uri.EscapeDataString(f.Value!)}");
            var query = string.Join("&", filters);
            return $"/v1/tenants/{Uri.EscapeDataString(Tenant)}/audit:export{(query.Length > 0 ? "?" + query : "")}";
        }
    }

    private static string? InputValue(string? url) =>
        ListFilters.ParseInstant(url) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture) : null;
}
