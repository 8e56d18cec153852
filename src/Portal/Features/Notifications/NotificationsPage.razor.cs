using Microsoft.AspNetCore.Components;
using MudBlazor;
using Portal.Components.Shared;
using Portal.Core.Common;
using Portal.Core.Notifications;

namespace Portal.Features.Notifications;

/// <summary>
/// The tenant's notification endpoints (DESIGN.md "Notifications"): each with its event types, state, secret prefix and
/// last attempt, and the banner for endpoints the portal disabled. Admins add, enable or disable, rotate the secret, send
/// a test event and delete; Viewers only read. The selected endpoint's attempts log and its filters are in the address
/// (<c>?endpoint=&amp;outcome=&amp;eventType=</c>).
/// </summary>
public sealed partial class NotificationsPage
{
    [Inject] private NotificationEndpointService Service { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "endpoint")] public string? EndpointQuery { get; set; }
    [SupplyParameterFromQuery(Name = "outcome")] public string? OutcomeQuery { get; set; }
    [SupplyParameterFromQuery(Name = "eventType")] public string? EventTypeQuery { get; set; }

    private IReadOnlyList<NotificationEndpointView>? _endpoints;
    private IReadOnlyList<NotificationEndpointView> _disabled = [];
    private Guid? _selected;
    private string? _endpointQuery;
    private string? _watch;
    private bool _busy;

    private NotificationEndpointView? Selected => _endpoints?.FirstOrDefault(e => e.Id == _selected);

    protected override async Task LoadAsync()
    {
        // The address wins when it changed (a link, back and forward); a selection made here is already in it.
        if (EndpointQuery != _endpointQuery)
        {
            _endpointQuery = EndpointQuery;
            _selected = Guid.TryParse(EndpointQuery, out var id) ? id : null;
        }

        await LoadEndpointsAsync();
    }

    private async Task LoadEndpointsAsync()
    {
        // One page of the most a tenant may have is all of them, so the banner below sees every endpoint.
        _endpoints = (await Service.ListAsync(Actor!, Paging.From(0, NotificationEndpointService.MaxEndpoints))).Items;
        _disabled = NotificationEndpointService.DisabledByPortal(_endpoints); // the banner comes from the list: one read
    }

    /// <summary>Shows an endpoint's attempts (or none), with fresh filters, and says so in the address.</summary>
    private Task SelectAsync(Guid? id)
    {
        _selected = id;
        Navigation.NavigateTo(Navigation.GetUriWithQueryParameters(new Dictionary<string, object?>
        {
            ["endpoint"] = id?.ToString(),
            ["outcome"] = null,
            ["eventType"] = null,
        }), replace: true);
        return Task.CompletedTask;
    }

    private async Task SendTestAsync(NotificationEndpointView endpoint)
    {
        await RunAsync(async () =>
        {
            var queued = await Service.SendTestAsync(Actor!, endpoint.Id.ToString());
            if (!Report(queued, "Test event queued"))
            {
                return;
            }

            // Open its attempts log and watch it for the test event's attempt.
            if (_selected != endpoint.Id)
            {
                await SelectAsync(endpoint.Id);
            }

            _watch = queued.Value!.WebhookId;
        });
    }

    private async Task SetEnabledAsync(NotificationEndpointView endpoint, bool enabled)
    {
        if (!enabled && await Dialogs.ConfirmAsync("Disable notification endpoint",
                $"Stop sending events to {endpoint.Url}? Events that happen while it is disabled are not sent to it later.", yesText: "Disable") != true)
        {
            return;
        }

        await RunAsync(async () =>
        {
            var updated = await Service.UpdateAsync(Actor!, endpoint.Id.ToString(), new NotificationEndpointInput { Enabled = enabled });
            if (Report(updated, enabled ? $"Enabled: {endpoint.Url}" : $"Disabled: {endpoint.Url}"))
            {
                await LoadEndpointsAsync();
            }
        });
    }

    private async Task RotateAsync(NotificationEndpointView endpoint)
    {
        if (await Dialogs.ConfirmRotationAsync("Rotate notification secret",
                $"Generate a new signing secret for {endpoint.Url}? Its receiver must verify with the new one once the current one stops signing.") is not { } grace)
        {
            return;
        }

        await RunAsync(async () =>
        {
            var rotated = await Service.RotateSecretAsync(Actor!, endpoint.Id.ToString(), grace);
            if (!Report(rotated))
            {
                return;
            }

            await LoadEndpointsAsync();
            var dialog = await SecretOnceDialog.ShowAsync(Dialogs, rotated.Value!.Secret!, $"New signing secret: {endpoint.Url}", "signing secret");
            await dialog.Result;
        });
    }

    private async Task DeleteAsync(NotificationEndpointView endpoint)
    {
        if (await Dialogs.ConfirmAsync("Delete notification endpoint",
                $"Delete {endpoint.Url}? It gets no more events, its attempts log is deleted and its secret revoked.", yesText: "Delete") != true)
        {
            return;
        }

        await RunAsync(async () =>
        {
            if (Report(await Service.DeleteAsync(Actor!, endpoint.Id.ToString()), "Notification endpoint deleted."))
            {
                if (_selected == endpoint.Id)
                {
                    await SelectAsync(null);
                }

                await LoadEndpointsAsync();
            }
        });
    }

    private async Task RunAsync(Func<Task> action)
    {
        _busy = true;
        try
        {
            await action();
        }
        finally
        {
            _busy = false;
        }
    }
}
