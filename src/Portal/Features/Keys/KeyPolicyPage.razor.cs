using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Core.KeyLifecycle;
using Portal.Core.Keys;

namespace Portal.Features.Keys;

/// <summary>
/// The tenant's key age and leak policy, one row per kind (DESIGN.md "Key lifecycle policy"). Admins save the whole form
/// through <see cref="KeyPolicyService.SetAsync"/>; its field errors (<c>webhook_key.warnDays</c>) show under the field.
/// Viewers see the same form read-only.
/// </summary>
public sealed partial class KeyPolicyPage
{
    [Inject] private KeyPolicyService Policies { get; set; } = default!;

    private List<PolicyRow>? _rows;
    private IReadOnlyDictionary<string, string[]> _errors = new Dictionary<string, string[]>();
    private bool _saving;

    protected override async Task LoadAsync() => Show(await Policies.GetAsync(Actor!.TenantId));

    private void Show(KeyPolicySet set) =>
        _rows = KeyKinds.All.Select(kind => PolicyRow.From(kind, set.For(kind))).ToList();

    private async Task SaveAsync()
    {
        _saving = true;
        Snackbar.Clear(); // the outcome of an earlier save no longer applies
        try
        {
            var result = await Policies.SetAsync(Actor!, _rows!.ToDictionary(r => r.Kind, r => r.ToPolicy()));
            _errors = result.Error?.Errors ?? new Dictionary<string, string[]>();
            if (result.IsSuccess)
            {
                Show(result.Value!);
                Snackbar.Add("Key policy saved.", Severity.Success);
            }
            else if (result.Error!.Errors is null)
            {
                Snackbar.Add(result.Error.Describe(), Severity.Error);
            }
            else
            {
                Snackbar.Add("The key policy was not saved: see the fields marked in red.", Severity.Error);
            }
        }
        finally
        {
            _saving = false;
        }
    }

    private bool HasError(string kind, string field) => _errors.ContainsKey($"{kind}.{field}");

    private string ErrorOf(string kind, string field) => string.Join(" ", _errors.GetValueOrDefault($"{kind}.{field}") ?? []);

    /// <summary>One kind's row of the form.</summary>
    private sealed class PolicyRow
    {
        public KeyKind Kind { get; init; }
        public string WireName => KeyKinds.WireName(Kind);
        public int? MaxAgeDays { get; set; }
        public int WarnDays { get; set; }
        public bool Enforce { get; set; }
        public LeakAction OnLeak { get; set; }

        public static PolicyRow From(KeyKind kind, KeyKindPolicy p) =>
            new() { Kind = kind, MaxAgeDays = p.MaxAgeDays, WarnDays = p.WarnDays, Enforce = p.Enforce, OnLeak = p.OnLeak };

        public KeyKindPolicy ToPolicy() => new(MaxAgeDays, WarnDays, Enforce, OnLeak);
    }
}
