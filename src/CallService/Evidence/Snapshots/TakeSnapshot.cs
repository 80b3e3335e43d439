using System.Security.Cryptography;
using CallContracts.Evidence;
using CallContracts.Realtime;
using CallContracts.Streams;
using CallMedia.Control;
using CallService.Auth;
using CallService.Calls.Live;
using CallService.Common;
using CallService.Common.Mediation;
using CallService.Evidence.Processing;
using FluentValidation;
using MediatR;

namespace CallService.Evidence.Snapshots;

/// <summary>
/// <c>POST /v1/calls/{id}/snapshots</c> <c>{"party":"a|b"}</c>: the API key (either party) or a party's token (the
/// peer's picture only: the assessor photographs the car owner's stream).
/// </summary>
internal sealed record TakeSnapshotCommand(Actor Actor, string CallId, string? Party, string BaseUrl) : IRequest<SnapshotView>;

internal sealed class TakeSnapshotValidator : AbstractValidator<TakeSnapshotCommand>
{
    public TakeSnapshotValidator()
    {
        RuleFor(x => x.CallId).ValidCallId();
        RuleFor(x => x.Party).Must(p => p is "a" or "b").WithMessage("party must be a or b.");
    }
}

/// <summary>
/// The relay's latest group of pictures (<see cref="IRelayRecorder.CaptureLatestGopAsync"/>: sequence headers, the latest
/// key frame and every frame after it) decoded by ffmpeg from its stdin; the last decoded picture is written as a JPEG
/// at the stream's full resolution. A stream that is not live → 409 <c>stream_not_live</c>.
/// </summary>
internal sealed class TakeSnapshotHandler(
    CallTransaction calls, EvidenceBook book, EvidencePaths paths, MediaTools tools, EvidenceViews views, EvidencePublisher publisher,
    EvidenceMetrics metrics, TimeProvider time, IRelayRecorder? recorder = null)
    : IRequestHandler<TakeSnapshotCommand, SnapshotView>
{
    private static readonly TimeSpan DecodeTimeout = TimeSpan.FromSeconds(10);

    public async Task<SnapshotView> Handle(TakeSnapshotCommand command, CancellationToken cancellationToken)
    {
        var party = command.Party == "a" ? PartyRole.A : PartyRole.B;
        var live = await calls.ReadAsync(command.CallId, command.Actor, call =>
        {
            if (CallTransaction.RoleOf(call, command.Actor) == party)
                throw new ForbiddenException("snapshot_of_peer_only", "A party may take snapshots of the peer's picture only.");
            return !call.IsEnded && call.Party(party).Publishing;
        });
        var gop = live && recorder is not null ? await recorder.CaptureLatestGopAsync(StreamNames.For(command.CallId, party), cancellationToken) : null;
        if (gop is null)
            throw new CallRuleException("stream_not_live", $"Party {party.ToWire()}'s stream is not live (no picture to take).");

        var takenAt = time.GetUtcNow();
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
        paths.CallFolder(command.CallId);
        var relative = $"{command.CallId}/snapshot-{id}.jpg";
        // Every frame is decoded (each depends on the ones before); only the last few are encoded, the last one kept.
        // Should the decoder give fewer pictures than the GOP holds, every picture is encoded instead.
        var (code, errors, bytes) = await DecodeAsync(gop, paths.Full(relative), Math.Max(0, FlvVideoFrames.Count(gop) - 3), cancellationToken);
        if (bytes.Length == 0) (code, errors, bytes) = await DecodeAsync(gop, paths.Full(relative), 0, cancellationToken);
        if (!JpegSize.TryRead(bytes, out var width, out var height))
            throw new CallRuleException("snapshot_failed", $"No picture could be decoded from party {party.ToWire()}'s stream ({errors.Trim()} exit {code}).");

        var snapshot = new EvidenceSnapshot(id, party, takenAt, width, height, Convert.ToHexStringLower(SHA256.HashData(bytes)), bytes.Length,
            relative, command.Actor is UserActor user ? "user:" + user.UserId : "service");
        book.Change(command.CallId, e =>
        {
            e.AddSnapshot(snapshot);
            return 0;
        });
        metrics.SnapshotTaken();
        await publisher.PublishAsync(new SnapshotCreated(command.CallId, views.Snapshot(command.CallId, snapshot, null)));
        return views.Snapshot(command.CallId, snapshot, command.BaseUrl);
    }

    private async Task<(int Code, string Errors, byte[] Jpeg)> DecodeAsync(byte[] gop, string path, int skip, CancellationToken ct)
    {
        var (code, errors) = await tools.FfmpegAsync(
            ["-f", "flv", "-i", "pipe:0", "-an", "-vf", $"select=gte(n\\,{skip})", "-fps_mode", "passthrough", "-update", "1", "-q:v", "2",
             "-f", "image2", path],
            DecodeTimeout, gop, ct);
        return (code, errors, File.Exists(path) ? await File.ReadAllBytesAsync(path, ct) : []);
    }
}
