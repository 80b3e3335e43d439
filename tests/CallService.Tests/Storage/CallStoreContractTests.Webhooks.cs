using CallService.Calls;
using CallService.Storage;
using CallService.Tests.Support;
using CallService.Webhooks;

namespace CallService.Tests.Storage;

/// <summary>The webhook outbox part of the store contract (both providers).</summary>
public abstract partial class CallStoreContractTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private static OutboxMessage Hook(string callId, string type, string endpoint = "http://127.0.0.1:9/a", DateTimeOffset? at = null) =>
        new("msg_" + Guid.NewGuid().ToString("N"), endpoint, type, callId, at ?? T0, $"{{\"type\":\"{type}\",\"data\":{{\"callId\":\"{callId}\"}}}}");

    private static WebhookAttempt Outcome(WebhookStatus status, int attempts, DateTimeOffset at, DateTimeOffset? next = null) =>
        new(at, status, attempts, status == WebhookStatus.Delivered ? 204 : 503, status == WebhookStatus.Delivered ? null : "HTTP 503", next);

    [Fact]
    public void Outbox_RowsWrittenWithACallWrite_AreClaimable_ButNotWhenTheBusyClaimFailed()
    {
        var store = Store();
        var c1 = Live("c1", "alice", "bob");
        var created = Hook("c1", "call.created");
        Assert.True(store.Save(new CallWrite(c1, c1.Transitions, [], T0, ClaimParties: true) { Webhooks = [created] }));
        var busy = Live("c2", "carol", "bob");
        Assert.False(store.Save(new CallWrite(busy, busy.Transitions, [], T0, ClaimParties: true) { Webhooks = [Hook("c2", "call.created")] }));

        var claimed = Assert.Single(store.ClaimWebhooks("n1", T0, Lease, 10));
        Assert.Equal((created.MessageId, created.EndpointUrl, "call.created", "c1", T0, created.Body),
            (claimed.Message.MessageId, claimed.Message.EndpointUrl, claimed.Message.Type, claimed.Message.CallId, claimed.Message.At, claimed.Message.Body));
        Assert.Equal((WebhookStatus.Pending, 0), (claimed.Status, claimed.Attempts));
        Assert.NotNull(claimed.LeaseToken);
    }

    [Fact]
    public void Outbox_ClaimsOnlyTheOldestUndecidedMessage_PerCallAndEndpoint()
    {
        var store = Store();
        store.EnqueueWebhooks([Hook("c1", "call.created"), Hook("c1", "call.created", "http://127.0.0.1:9/b"), Hook("c2", "call.created")]);
        store.EnqueueWebhooks([Hook("c1", "call.accepted"), Hook("c1", "call.accepted", "http://127.0.0.1:9/b")]);

        var first = store.ClaimWebhooks("n1", T0, Lease, 10);
        Assert.Equal(["c1 call.created /a", "c1 call.created /b", "c2 call.created /a"],
            first.Select(d => $"{d.Message.CallId} {d.Message.Type} /{d.Message.EndpointUrl[^1]}"));
        Assert.Empty(store.ClaimWebhooks("n1", T0, Lease, 10)); // leased, and the accepted ones wait for them

        // Endpoint a: delivered → its accepted is next. Endpoint b: refused, retry later → its accepted still waits.
        Assert.True(store.RecordWebhookAttempt(first[0].Id, first[0].LeaseToken!, Outcome(WebhookStatus.Delivered, 1, T0)));
        Assert.True(store.RecordWebhookAttempt(first[1].Id, first[1].LeaseToken!, Outcome(WebhookStatus.Pending, 1, T0, T0.AddSeconds(10))));
        var next = Assert.Single(store.ClaimWebhooks("n1", T0, Lease, 10));
        Assert.Equal(("call.accepted", "http://127.0.0.1:9/a"), (next.Message.Type, next.Message.EndpointUrl));

        // A message failed for good unblocks the next one too; the retry comes when it is due.
        Assert.Empty(store.ClaimWebhooks("n1", T0.AddSeconds(9), Lease, 10));
        var retry = Assert.Single(store.ClaimWebhooks("n1", T0.AddSeconds(10), Lease, 10));
        Assert.Equal((first[1].Id, 1), (retry.Id, retry.Attempts));
        Assert.True(store.RecordWebhookAttempt(retry.Id, retry.LeaseToken!, Outcome(WebhookStatus.Failed, 2, T0.AddSeconds(10))));
        var afterFailed = Assert.Single(store.ClaimWebhooks("n1", T0.AddSeconds(10), Lease, 10));
        Assert.Equal(("call.accepted", "http://127.0.0.1:9/b"), (afterFailed.Message.Type, afterFailed.Message.EndpointUrl));
    }

    [Fact]
    public void Outbox_ALeaseKeepsOthersOff_UntilItRunsOut_AndOnlyItsHolderRecordsTheOutcome()
    {
        var store = Store();
        store.EnqueueWebhooks([Hook("c1", "call.created")]);
        var other = Store(); // another node on the same database
        var mine = Assert.Single(store.ClaimWebhooks("n1", T0, Lease, 10));
        Assert.Empty(other.ClaimWebhooks("n2", T0.AddSeconds(29), Lease, 10));
        var taken = Assert.Single(other.ClaimWebhooks("n2", T0.AddSeconds(30), Lease, 10)); // n1 presumed dead
        Assert.NotEqual(mine.LeaseToken, taken.LeaseToken);
        Assert.False(store.RecordWebhookAttempt(mine.Id, mine.LeaseToken!, Outcome(WebhookStatus.Delivered, 1, T0.AddSeconds(31))));
        Assert.True(other.RecordWebhookAttempt(taken.Id, taken.LeaseToken!, Outcome(WebhookStatus.Delivered, 1, T0.AddSeconds(31))));
        var row = store.WebhookDelivery(mine.Id)!;
        Assert.Equal((WebhookStatus.Delivered, 1, 204, T0.AddSeconds(31)), (row.Status, row.Attempts, row.LastStatusCode, row.DeliveredAt));
    }

    [Fact]
    public void Outbox_ANodeThatRestarts_ReleasesItsLeases()
    {
        var store = Store();
        store.EnqueueWebhooks([Hook("c1", "call.created"), Hook("c2", "call.created")]);
        Assert.Equal(2, store.ClaimWebhooks("n1", T0, Lease, 10).Count);
        Assert.Equal(2, Store().ReleaseWebhookLeases("n1"));
        Assert.Equal(0, store.ReleaseWebhookLeases("n2"));
        Assert.Equal(2, store.ClaimWebhooks("n1", T0, Lease, 10).Count);
    }

    [Fact]
    public async Task Outbox_ConcurrentClaimsOfTwoNodes_NeverTakeTheSameRow()
    {
        var a = Store();
        var b = Store();
        a.EnqueueWebhooks([.. Enumerable.Range(0, 40).Select(i => Hook($"c{i}", "call.created"))]);
        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() =>
            (i % 2 == 0 ? a : b).ClaimWebhooks($"n{i}", T0, Lease, 7))));
        var ids = claims.SelectMany(c => c.Select(d => d.Id)).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(40, ids.Count + a.ClaimWebhooks("n9", T0, Lease, 100).Count);
    }

    [Fact]
    public void Outbox_RetryRequeuesOnlyAFailedRow_AndTheListingFiltersByStatus()
    {
        var store = Store();
        store.EnqueueWebhooks([Hook("c1", "call.created"), Hook("c2", "call.created"), Hook("c3", "call.created")]);
        var claimed = store.ClaimWebhooks("n1", T0, Lease, 10);
        store.RecordWebhookAttempt(claimed[0].Id, claimed[0].LeaseToken!, Outcome(WebhookStatus.Failed, 10, T0.AddSeconds(1)));
        store.RecordWebhookAttempt(claimed[1].Id, claimed[1].LeaseToken!, Outcome(WebhookStatus.Delivered, 1, T0.AddSeconds(1)));

        Assert.Equal([claimed[0].Id], store.WebhookDeliveries(WebhookStatus.Failed, null, 10).Select(d => d.Id));
        Assert.Equal([claimed[1].Id], store.WebhookDeliveries(WebhookStatus.Delivered, null, 10).Select(d => d.Id));
        Assert.Equal([claimed[2].Id], store.WebhookDeliveries(WebhookStatus.Pending, null, 10).Select(d => d.Id));
        Assert.Equal([claimed[2].Id, claimed[1].Id], store.WebhookDeliveries(null, null, 2).Select(d => d.Id)); // newest first
        Assert.Equal([claimed[0].Id], store.WebhookDeliveries(null, claimed[1].Id, 10).Select(d => d.Id));
        var failed = store.WebhookDelivery(claimed[0].Id)!;
        Assert.Equal((10, 503, "HTTP 503", (DateTimeOffset?)null), (failed.Attempts, failed.LastStatusCode, failed.LastError, failed.NextAttemptAt));

        Assert.Equal(WebhookRetryResult.NotFound, store.RetryWebhook(claimed[2].Id + 1000, T0.AddMinutes(1)));
        Assert.Equal(WebhookRetryResult.NotFailed, store.RetryWebhook(claimed[1].Id, T0.AddMinutes(1)));
        Assert.Equal(WebhookRetryResult.Requeued, store.RetryWebhook(claimed[0].Id, T0.AddMinutes(1)));
        Assert.Equal(WebhookRetryResult.NotFailed, store.RetryWebhook(claimed[0].Id, T0.AddMinutes(1)));
        var requeued = store.WebhookDelivery(claimed[0].Id)!;
        Assert.Equal((WebhookStatus.Pending, 0, T0.AddMinutes(1)), (requeued.Status, requeued.Attempts, requeued.NextAttemptAt));
        Assert.DoesNotContain(store.ClaimWebhooks("n1", T0.AddSeconds(59), Lease, 10), d => d.Id == claimed[0].Id);
        Assert.Contains(store.ClaimWebhooks("n1", T0.AddMinutes(1), Lease, 10), d => d.Id == claimed[0].Id);
    }

    [Fact]
    public void Outbox_DeliveredRowsAreDeletedAfterTheirRetention_PendingAndFailedStay()
    {
        var store = Store();
        store.EnqueueWebhooks([Hook("c1", "call.created"), Hook("c2", "call.created"), Hook("c3", "call.created"), Hook("c4", "call.created")]);
        var claimed = store.ClaimWebhooks("n1", T0, Lease, 10);
        store.RecordWebhookAttempt(claimed[0].Id, claimed[0].LeaseToken!, Outcome(WebhookStatus.Delivered, 1, T0.AddSeconds(1)));
        store.RecordWebhookAttempt(claimed[1].Id, claimed[1].LeaseToken!, Outcome(WebhookStatus.Delivered, 1, T0.AddSeconds(3)));
        store.RecordWebhookAttempt(claimed[2].Id, claimed[2].LeaseToken!, Outcome(WebhookStatus.Failed, 10, T0.AddSeconds(1)));
        Assert.Equal(1, store.DeleteDeliveredWebhooksBefore(T0.AddSeconds(2)));
        Assert.Null(store.WebhookDelivery(claimed[0].Id));
        Assert.Equal([claimed[3].Id, claimed[2].Id, claimed[1].Id], store.WebhookDeliveries(null, null, 10).Select(d => d.Id));
    }

    [Fact]
    public async Task Reads_WhileOtherThreadsWrite_NeverFail()
    {
        var store = Store();
        using var stop = new CancellationTokenSource();
        using var readersRunning = new CountdownEvent(2);
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            var reads = 0;
            do
            {
                store.WebhookDeliveries(WebhookStatus.Pending, null, 5);
                store.Query(new RecordQuery(null, null, null, 5, null));
                if (++reads == 1) readersRunning.Signal();
            } while (!stop.IsCancellationRequested);
            return reads;
        })).ToList();
        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            readersRunning.Wait(TimeSpan.FromSeconds(30));
            for (var i = 0; i < 150; i++) store.EnqueueWebhooks([Hook($"w{w}c{i}", "call.created")]);
        })).ToList();
        await Task.WhenAll(writers);
        await stop.CancelAsync();
        Assert.All(await Task.WhenAll(readers), reads => Assert.True(reads > 1));
        Assert.Equal(600, store.WebhookDeliveries(WebhookStatus.Pending, null, 1000).Count);
    }

    [Fact]
    public void EndUnfinished_WritesTheEndingsWebhooks_InTheSameWrite()
    {
        var store = Store();
        Create(store, Live("c1", "alice", "bob", T0));
        store.RenewLease(LocalNode, T0.AddSeconds(42));
        var restarted = Store();
        var ended = restarted.EndUnfinished(LocalNode, T0.AddHours(1),
            call => [Hook(call.CallId, "call.ended", at: call.EndedAt) with { Body = $"{call.State}:{call.EndReason}" }]);
        Assert.Single(ended);
        var row = Assert.Single(restarted.ClaimWebhooks("n1", T0.AddHours(1), Lease, 10));
        Assert.Equal(("call.ended", "c1", T0.AddSeconds(42), $"{CallState.Ended}:{EndReason.ServiceRestart}"),
            (row.Message.Type, row.Message.CallId, row.Message.At, row.Message.Body));
    }
}
