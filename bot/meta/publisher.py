"""Publishing one post to the school's Facebook Page or Instagram professional account, once.

Every step's result is saved (`progress.save`) before the next step starts, and the moment the
final, visible request is sent is saved before it is sent. So when an attempt is cut off — a
timeout, a crash, a restart — the next attempt first asks the platform whether the post is
already out and records it instead of posting again:
  Facebook   photos uploaded unpublished (/{page}/photos, published=false), then one feed post
             that attaches them (/{page}/feed); unknown outcome → /{page}/published_posts searched
             for the caption. Comments cannot be turned off through the API (docs/OPERATIONS.md).
  Instagram  each photo uploaded unpublished to the linked Page, whose CDN address Instagram fetches
             (Instagram takes photos by URL only, and a draft's photos are never put anywhere public);
             a container (a carousel for several), /{ig}/media_publish, then comments turned off on
             the new media (comment_enabled=false); unknown outcome → the container's status_code
             (PUBLISHED?) and /{ig}/media searched for the caption. Instagram itself refuses to
             publish one container twice.
"""
from __future__ import annotations

import asyncio

from bot.meta.graph import GraphClient, GraphError
from handlers.drafts.autopublish import Photo, Post, Progress, PublishFailed

CONTAINER_POLLS = 10
CONTAINER_POLL_SECONDS = 2.0


def _same_text(a: str | None, b: str) -> bool:
    return " ".join((a or "").split()) == " ".join(b.split())


class MetaPublisher:
    """handlers.drafts.autopublish.Publisher for the Graph API."""

    def __init__(self, client: GraphClient, page_id: str, instagram_id: str | None = None):
        self.client, self.page_id, self.instagram_id = client, page_id, instagram_id

    async def publish(self, post: Post, progress: Progress) -> str:
        try:
            if post.platform == "facebook":
                return await self._facebook(post, progress)
            if post.platform == "instagram" and self.instagram_id:
                return await self._instagram(post, progress)
        except GraphError as error:
            raise PublishFailed(str(error), retryable=error.transient) from None
        raise PublishFailed(f"no {post.platform} account is configured", retryable=False)

    # --- shared -------------------------------------------------------------------------------

    async def _unpublished_photos(self, photos: tuple[Photo, ...], progress: Progress, key: str) -> list[str]:
        """Each photo on the Page, not published (so invisible); ids saved one by one."""
        ids = list(progress.data.get(key, []))
        for photo in photos[len(ids):]:
            uploaded = await self.client.upload(f"{self.page_id}/photos", photo.name, photo.data, published=False)
            ids.append(str(uploaded["id"]))
            progress.save(**{key: ids})
        return ids

    @staticmethod
    def _sent(progress: Progress) -> None:
        progress.save(sent_at=progress.services.now().isoformat(timespec="seconds"))

    # --- Facebook -----------------------------------------------------------------------------

    async def _facebook(self, post: Post, progress: Progress) -> str:
        if progress.data.get("post_id"):
            return progress.data["post_id"]
        photo_ids = await self._unpublished_photos(post.photos, progress, "photo_ids")
        if progress.data.get("sent_at"):
            found = await self._facebook_post_with(post.caption)
            if found:
                progress.save(post_id=found)
                return found
        self._sent(progress)
        fields: dict = {"message": post.caption, "published": True}
        for index, photo_id in enumerate(photo_ids):
            fields[f"attached_media[{index}]"] = {"media_fbid": photo_id}
        created = await self.client.post(f"{self.page_id}/feed", **fields)
        progress.save(post_id=str(created["id"]))
        return progress.data["post_id"]

    async def _facebook_post_with(self, caption: str) -> str | None:
        listed = await self.client.get(f"{self.page_id}/published_posts", fields="id,message,created_time", limit=25)
        return next((str(p["id"]) for p in listed.get("data", []) if _same_text(p.get("message"), caption)), None)

    # --- Instagram ----------------------------------------------------------------------------

    async def _instagram(self, post: Post, progress: Progress) -> str:
        if not post.photos:
            raise PublishFailed("an Instagram post needs at least one photo", retryable=False)
        media_id = progress.data.get("media_id")
        if not media_id:
            container = progress.data.get("container_id") or await self._container(post, progress)
            media_id = await self._publish_container(post, container, progress)
        if not progress.data.get("comments_off"):
            await self.client.post(media_id, comment_enabled=False)
            progress.save(comments_off=True)
        return media_id

    async def _container(self, post: Post, progress: Progress) -> str:
        photo_ids = await self._unpublished_photos(post.photos, progress, "ig_photo_ids")
        urls = list(progress.data.get("image_urls", []))
        for photo_id in photo_ids[len(urls):]:
            shown = await self.client.get(photo_id, fields="images")
            urls.append(max(shown["images"], key=lambda i: i.get("width", 0))["source"])
            progress.save(image_urls=urls)
        account = self.instagram_id
        if len(urls) == 1:
            made = await self.client.post(f"{account}/media", image_url=urls[0], caption=post.caption)
        else:
            children = list(progress.data.get("children", []))
            for url in urls[len(children):]:
                child = await self.client.post(f"{account}/media", image_url=url, is_carousel_item=True)
                children.append(str(child["id"]))
                progress.save(children=children)
            made = await self.client.post(f"{account}/media", media_type="CAROUSEL", children=",".join(children),
                                          caption=post.caption)
        progress.save(container_id=str(made["id"]))
        return progress.data["container_id"]

    async def _publish_container(self, post: Post, container: str, progress: Progress) -> str:
        status = await self._container_status(container)
        if status == "PUBLISHED":  # the last attempt's media_publish went through: find what it made
            found = await self._instagram_media_with(post.caption)
            if found:
                progress.save(media_id=found)
                return found
            raise PublishFailed("Instagram has published it but does not list it yet; checking again later")
        if status in ("ERROR", "EXPIRED"):
            progress.save(container_id=None, children=[], sent_at=None)  # a fresh container next attempt
            raise PublishFailed(f"Instagram could not use the photos (container {status.lower()})")
        if status != "FINISHED":
            raise PublishFailed("Instagram is still processing the photos")
        self._sent(progress)
        published = await self.client.post(f"{self.instagram_id}/media_publish", creation_id=container)
        progress.save(media_id=str(published["id"]))
        return progress.data["media_id"]

    async def _container_status(self, container: str) -> str:
        for _ in range(CONTAINER_POLLS):
            status = str((await self.client.get(container, fields="status_code")).get("status_code") or "")
            if status != "IN_PROGRESS":
                return status
            await asyncio.sleep(CONTAINER_POLL_SECONDS)
        return "IN_PROGRESS"

    async def _instagram_media_with(self, caption: str) -> str | None:
        listed = await self.client.get(f"{self.instagram_id}/media", fields="id,caption,timestamp", limit=25)
        return next((str(m["id"]) for m in listed.get("data", []) if _same_text(m.get("caption"), caption)), None)
